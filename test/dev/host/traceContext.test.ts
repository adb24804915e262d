import { callerTraceId, invocationTrace } from '../../../dev/host/traceContext';

// The trace context the local host hands each invocation, as the Functions host does: the
// caller's trace continues when its W3C traceparent is valid, anything else starts a new trace.

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('callerTraceId', () => {
  it('takes the trace id of a valid traceparent', () => {
    expect(callerTraceId(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
    expect(callerTraceId(`00-${TRACE}-00f067aa0ba902b7-00`)).toBe(TRACE);
    // A later version may append fields after a dash.
    expect(callerTraceId(`01-${TRACE}-00f067aa0ba902b7-01-extra`)).toBe(TRACE);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-00f067aa0ba902b7-01`],
    ['version 00 with extra fields', `00-${TRACE}-00f067aa0ba902b7-01-extra`],
    ['a short trace id', `00-${TRACE.slice(2)}-00f067aa0ba902b7-01`],
    ['garbage', 'not a traceparent'],
  ])('refuses %s', (_name, header) => {
    expect(callerTraceId(header)).toBeUndefined();
  });
});

describe('invocationTrace', () => {
  it('continues the caller\'s trace with a span of its own, sampled, keeping tracestate', () => {
    const trace = invocationTrace(`00-${TRACE}-00f067aa0ba902b7-00`, 'congo=t61rcWkgMzE');
    expect(trace.traceId).toBe(TRACE);
    expect(trace.traceParent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(trace.traceParent).not.toContain('00f067aa0ba902b7');
    expect(trace.traceState).toBe('congo=t61rcWkgMzE');
  });

  it('starts a new trace, without the caller\'s tracestate, when the traceparent is not valid', () => {
    const a = invocationTrace('garbage', 'congo=t61rcWkgMzE');
    const b = invocationTrace(undefined, undefined);
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.traceState).toBeUndefined();
  });
});
