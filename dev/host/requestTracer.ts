import type * as OpenTelemetry from '@opentelemetry/api';
import type * as OpenTelemetryLogs from '@opentelemetry/api-logs';
import { invocationTrace, type InvocationTrace } from './traceContext';

// The request the Functions host records for each invocation, when the app sends telemetry.
// In Azure the host writes it and hands the invocation its span as the trace context; here the
// app's own OpenTelemetry providers (set up by the App Insights SDK) record it the same way, so
// the request's id is the parent id of every dependency and event of the invocation.

export interface RequestTrace extends InvocationTrace {
  /** A log line of the invocation (context.log), recorded under its request as the host records it. */
  log(level: string, message: string): void;
  end(status: number): void;
}

/** host.json's "Function": "Warning": the host keeps a function's warnings and errors only. */
const RECORDED_LEVELS: Record<string, number> = { warning: 13, error: 17, critical: 21 };

export interface RequestTracer {
  start(functionName: string, method: string, headers: Record<string, string | string[] | undefined>): RequestTrace;
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Trace context only: a new or continued trace id, no request recorded (no telemetry configured). */
export const traceContextOnly: RequestTracer = {
  start: (_name, _method, headers) => ({ ...invocationTrace(single(headers.traceparent), single(headers.tracestate)), log: () => undefined, end: () => undefined }),
};

/** Records each request through the global OpenTelemetry tracer (the App Insights SDK's, once the app started it). */
export function openTelemetryRequestTracer(): RequestTracer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the app sends telemetry
  const api = require('@opentelemetry/api') as typeof OpenTelemetry;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const logsApi = require('@opentelemetry/api-logs') as typeof OpenTelemetryLogs;
  const tracer = api.trace.getTracer('local-functions-host');
  const logger = logsApi.logs.getLogger('local-functions-host');
  return {
    start(functionName, method, headers) {
      const carrier = { traceparent: single(headers.traceparent), tracestate: single(headers.tracestate) };
      const parent = api.propagation.extract(api.ROOT_CONTEXT, carrier, {
        get: (c, key) => c[key as keyof typeof c],
        keys: (c) => Object.keys(c),
      });
      // Named after the function, as the Functions host names its requests (no URL attribute: the exporter would name it after the path).
      const span = tracer.startSpan(functionName, { kind: api.SpanKind.SERVER, attributes: { 'http.method': method } }, parent);
      const { traceId, spanId } = span.spanContext();
      const state = carrier.tracestate?.trim();
      return {
        traceId,
        traceParent: `00-${traceId}-${spanId}-01`,
        ...(state && api.trace.getSpanContext(parent) ? { traceState: state } : {}),
        log(level, message) {
          const severityNumber = RECORDED_LEVELS[level];
          if (severityNumber === undefined) return;
          logger.emit({ severityNumber, severityText: level.toUpperCase(), body: message, context: api.trace.setSpan(api.ROOT_CONTEXT, span) });
        },
        end(status) {
          span.setAttribute('http.status_code', status);
          span.setStatus({ code: status >= 500 ? api.SpanStatusCode.ERROR : api.SpanStatusCode.OK });
          span.end();
        },
      };
    },
  };
}
