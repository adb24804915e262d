import { randomUUID } from 'node:crypto';

// The W3C trace context the Functions host hands each invocation (InvocationContext.traceContext):
// the caller's trace id when it sent a valid `traceparent`, a new one otherwise, and a span id of
// the host's own for the request it records.

export interface InvocationTrace {
  traceId: string;
  traceParent: string;
  traceState?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Up to 16 random bytes as hex (a trace or span id), from randomUUID: it draws its entropy from a
 * pool filled in bulk, where a call of its own to the system's generator per id was a measurable
 * share of the local host's time per request. The first 16 hex digits hold the UUID's version
 * digit (4), so an id is never all zeros, as W3C requires.
 */
function randomHex(bytes: 8 | 16): string {
  return randomUUID().replace(/-/g, '').slice(0, bytes * 2);
}

/** The caller's trace id, or undefined when the header is absent or not a valid W3C traceparent. */
export function callerTraceId(traceparent: string | undefined): string | undefined {
  const match = TRACEPARENT.exec((traceparent ?? '').trim());
  if (!match) return undefined;
  const [, version, traceId, parentId] = match as unknown as [string, string, string, string];
  // Version ff is invalid; a future version may add fields, but only after a dash (kept by group 5).
  if (version === 'ff' || (version === '00' && match[5] !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return traceId;
}

export function invocationTrace(traceparent: string | undefined, tracestate: string | undefined): InvocationTrace {
  const traceId = callerTraceId(traceparent) ?? randomHex(16);
  const state = traceId === callerTraceId(traceparent) ? tracestate?.trim() : undefined;
  // Sampled: like the Functions host with requests excluded from sampling (host.json), this request is kept.
  return { traceId, traceParent: `00-${traceId}-${randomHex(8)}-01`, ...(state ? { traceState: state } : {}) };
}
