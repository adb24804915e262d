import { compileRouteTemplate } from '../../../dev/host/routeTemplate';

describe('compileRouteTemplate', () => {
  it('matches literal segments case-insensitively and ignores a trailing slash', () => {
    const route = compileRouteTemplate('health/ready');
    expect(route.match('/health/ready')).toEqual({});
    expect(route.match('/HEALTH/Ready/')).toEqual({});
    expect(route.match('/health')).toBeUndefined();
  });

  it('captures parameters and decodes them', () => {
    expect(compileRouteTemplate('embed/reports/{key}').match('/embed/reports/sales%20eu')).toEqual({ key: 'sales eu' });
  });

  it('supports optional parameters', () => {
    const route = compileRouteTemplate('a/{x?}');
    expect(route.match('/a')).toEqual({});
    expect(route.match('/a/1')).toEqual({ x: '1' });
  });

  it('enforces int and guid constraints', () => {
    expect(compileRouteTemplate('n/{id:int}').match('/n/12')).toEqual({ id: '12' });
    expect(compileRouteTemplate('n/{id:int}').match('/n/x')).toBeUndefined();
    const guid = compileRouteTemplate('g/{id:guid}');
    expect(guid.match('/g/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toEqual({ id: '3f2504e0-4f89-11d3-9a0c-0305e82c3301' });
    expect(guid.match('/g/not-a-guid')).toBeUndefined();
  });

  it('captures the rest of the path with a catch-all', () => {
    const route = compileRouteTemplate('files/{*rest}');
    expect(route.match('/files/a/b/c')).toEqual({ rest: 'a/b/c' });
    expect(route.match('/files')).toEqual({});
  });

  it('refuses unknown constraints instead of ignoring them', () => {
    expect(() => compileRouteTemplate('x/{id:weird}')).toThrow(/constraint/);
  });
});
