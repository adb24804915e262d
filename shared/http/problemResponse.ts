import { BrokerError, type ErrorCode } from '../errors/brokerError';

// RFC 9457 problem details. The one place an error becomes an HTTP answer: only the
// error's code, message and safe extensions are exposed, never a cause or a stack.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  /** The W3C trace id of the request: the operation id of its telemetry, for a user to quote. */
  traceId?: string;
  [extension: string]: unknown;
}

export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problemType(code: ErrorCode): string {
  return `urn:powerbi-embed-broker:problem:${code.replace(/_/g, '-')}`;
}

export function toProblemDetails(error: unknown, instance?: string, traceId?: string): ProblemDetails {
  const known = error instanceof BrokerError ? error : new BrokerError('internal', 'The request could not be completed.');
  const problem: ProblemDetails = {
    ...known.extensions,
    type: problemType(known.code),
    title: TITLES[known.status] ?? 'Error',
    status: known.status,
    code: known.code,
    detail: known.message,
  };
  if (instance) problem.instance = instance;
  if (traceId) problem.traceId = traceId;
  return problem;
}

export function toProblemResponse(error: unknown, instance?: string, traceId?: string): ProblemResponse {
  const problem = toProblemDetails(error, instance, traceId);
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' };
  if (error instanceof BrokerError) {
    Object.assign(headers, error.headers);
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(0, Math.ceil(error.retryAfterSeconds)));
  }
  return { status: problem.status, headers, body: JSON.stringify(problem) };
}
