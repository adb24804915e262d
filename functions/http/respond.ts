import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { BrokerError } from '../../shared/errors/brokerError';
import { toProblemResponse } from '../../shared/http/problemResponse';
import { describeError, errorKind } from '../../shared/telemetry/redact';

// Runs a handler and turns any failure into problem+json. Expected errors are logged with their
// code, the upstream's status, code and request id, and the kind of their cause (never an
// upstream's error text); anything else is logged redacted and answered as a bare 500 problem.

export type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export function withProblemDetails(handler: Handler): Handler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      const instance = new URL(request.url).pathname;
      if (error instanceof BrokerError) {
        const facts = ['upstream', 'upstreamStatus', 'upstreamCode', 'upstreamRequestId', 'reason', 'rule']
          .filter((name) => error.extensions[name] !== undefined)
          .map((name) => `${name}=${String(error.extensions[name])}`);
        if (error.cause !== undefined) facts.push(`cause=${errorKind(error.cause)}`);
        const line = `${error.status} ${error.code}${facts.length > 0 ? ` ${facts.join(' ')}` : ''}`;
        if (error.status >= 500) context.warn(line);
        else context.info(line);
      } else {
        context.error(`unexpected failure: ${describeError(error)}`);
      }
      const problem = toProblemResponse(error, instance, traceIdOf(context));
      return { status: problem.status, headers: problem.headers, body: problem.body };
    }
  };
}

/** The trace id of the invocation's W3C trace context (the Functions host passes the request's). */
export function traceIdOf(context: InvocationContext): string | undefined {
  const traceParent = context.traceContext?.traceParent;
  const traceId = traceParent ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceParent.trim().toLowerCase())?.[1] : undefined;
  return traceId && !/^0+$/.test(traceId) ? traceId : undefined;
}

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'cache-control': 'no-store' } };
}
