import { faultFromJson, FaultInjector } from '../../../../dev/emulators/core/faults';

describe('FaultInjector', () => {
  it('applies a fault to the next N matching calls only', () => {
    const faults = new FaultInjector();
    faults.inject({ kind: 'status', status: 503, times: 2, path: '/token' });
    expect(faults.decide('GET', '/other').kind).toBe('none');
    expect(faults.decide('POST', '/t/oauth2/v2.0/token').kind).toBe('status');
    expect(faults.decide('POST', '/t/oauth2/v2.0/token').kind).toBe('status');
    expect(faults.decide('POST', '/t/oauth2/v2.0/token').kind).toBe('none');
  });

  it('applies a ratio fault to a share of calls until cleared', () => {
    const rolls = [0.1, 0.9, 0.2, 0.8];
    const faults = new FaultInjector(() => rolls.shift() ?? 1);
    faults.inject({ kind: 'reset', ratio: 0.5 });
    expect(['a', 'b', 'c', 'd'].map((p) => faults.decide('GET', p).kind)).toEqual(['reset', 'none', 'reset', 'none']);
    faults.clear();
    expect(faults.decide('GET', 'e').kind).toBe('none');
  });

  it('filters by method and by pattern', () => {
    const faults = new FaultInjector();
    faults.inject({ kind: 'hang', method: 'POST', path: /GenerateToken$/i });
    expect(faults.decide('GET', '/v1.0/myorg/GenerateToken').kind).toBe('none');
    expect(faults.decide('POST', '/v1.0/myorg/generatetoken').kind).toBe('hang');
  });

  it('rejects nonsense faults', () => {
    const faults = new FaultInjector();
    expect(() => faults.inject({ kind: 'status' })).toThrow(RangeError);
    expect(() => faults.inject({ kind: 'delay', ratio: 2 })).toThrow(RangeError);
    expect(() => faultFromJson({ kind: 'explode' })).toThrow(TypeError);
    expect(() => faultFromJson('nope')).toThrow(TypeError);
  });

  it('refuses a non-integer status and headers Node could not send', () => {
    const faults = new FaultInjector();
    expect(() => faults.inject({ kind: 'status', status: 503.5 })).toThrow(RangeError);
    expect(() => faultFromJson({ kind: 'status', status: 503, headers: { 'bad name': 'x' } })).toThrow(TypeError);
    expect(() => faultFromJson({ kind: 'status', status: 503, headers: { 'x-ok': 'a\nb' } })).toThrow(TypeError);
    expect(() => faultFromJson({ kind: 'status', status: 503, headers: { 'x-ok': 5 } })).toThrow(TypeError);
    expect(() => faultFromJson({ kind: 'status', status: 503, headers: 'x-ok: 1' })).toThrow(TypeError);
    expect(faultFromJson({ kind: 'status', status: 503, headers: { 'x-ok': '1' } }).headers).toEqual({ 'x-ok': '1' });
  });

  it('matches every call with a g or y pattern, instead of every other one', () => {
    const faults = new FaultInjector();
    const global = /token/g;
    faults.inject({ kind: 'status', status: 503, times: 3, path: global });
    expect([1, 2, 3].map(() => faults.decide('POST', '/t/oauth2/v2.0/token').kind)).toEqual(['status', 'status', 'status']);
    expect(global.lastIndex).toBe(0);

    faults.inject({ kind: 'hang', times: 2, path: /^\/t\//y });
    expect([1, 2].map(() => faults.decide('GET', '/t/keys').kind)).toEqual(['hang', 'hang']);

    const fromJson = faultFromJson({ kind: 'reset', times: 3, path: '/generatetoken$/gi' });
    expect((fromJson.path as RegExp).flags).toBe('i');
    faults.inject(fromJson);
    expect([1, 2, 3].map(() => faults.decide('POST', '/v1.0/myorg/GenerateToken').kind)).toEqual(['reset', 'reset', 'reset']);
    faults.inject(faultFromJson({ kind: 'delay', times: 2, path: '/^\\/a/y' }));
    expect([1, 2].map(() => faults.decide('GET', '/a/b').kind)).toEqual(['delay', 'delay']);
  });

  it('reads a fault from JSON, with /regex/ paths', () => {
    const spec = faultFromJson({ kind: 'status', status: 429, retryAfterSeconds: 1, path: '/generatetoken$/i', times: 3 });
    expect(spec).toMatchObject({ kind: 'status', status: 429, retryAfterSeconds: 1, times: 3 });
    expect(spec.path).toEqual(/generatetoken$/i);
  });
});
