// The one error type of the broker. `code` is a stable machine code callers may branch on;
// `status` is the HTTP status it maps to. Messages never carry tokens or secrets.

export const ERROR_CODES = {
  bad_request: 400,
  invalid_json: 400,
  payload_too_large: 413,
  headers_too_large: 431,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  upstream_refused: 502,
  upstream_error: 502,
  upstream_invalid_response: 502,
  upstream_unavailable: 503,
  upstream_timeout: 504,
  not_ready: 503,
  config_invalid: 500,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface BrokerErrorOptions {
  cause?: unknown;
  /** Seconds the caller should wait before retrying; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Extra, safe members for the problem body (e.g. the upstream error code and RequestId). */
  extensions?: Record<string, string | number | boolean | string[]>;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
}

export class BrokerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, string | number | boolean | string[]>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: BrokerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BrokerError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

export function isBrokerError(error: unknown): error is BrokerError {
  return error instanceof BrokerError;
}
