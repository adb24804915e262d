import type { IncomingHttpHeaders } from 'node:http';
import { statelessPattern } from './faults';

// What an emulator saw, for tests to assert on. Credentials are redacted before they are stored.
// Memory stays bounded: at most `limit` entries (5000 by default), and a body larger than
// MAX_LOGGED_BODY_BYTES is kept only as a `[N bytes]` marker.

/** Bodies larger than this are logged as `[N bytes]` instead of their content. */
export const MAX_LOGGED_BODY_BYTES = 64 * 1024;

export interface LoggedRequest {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /**
   * Parsed JSON or form body (credentials redacted); `[N bytes, not JSON]` for another body,
   * `[N bytes]` for one larger than MAX_LOGGED_BODY_BYTES.
   */
  body: unknown;
  status: number;
  fault?: string;
  requestId?: string;
}

const SENSITIVE_HEADERS = new Set(['authorization', 'x-identity-header', 'secret', 'cookie', 'x-ms-client-principal']);
const SENSITIVE_FIELDS = /^(client_secret|client_assertion|assertion|access_token|refresh_token|id_token|token|password|value|identityBlob|secret)$/i;

export const REDACTED = '[redacted]';

export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization') {
      const scheme = text.split(' ')[0] ?? '';
      out[name] = `${scheme} ${REDACTED}`.trim();
    } else {
      out[name] = SENSITIVE_HEADERS.has(name) ? REDACTED : text;
    }
  }
  return out;
}

export function redactBody(body: unknown, sensitive: RegExp = SENSITIVE_FIELDS): unknown {
  if (Array.isArray(body)) return body.map((item) => redactBody(item, sensitive));
  if (body && typeof body === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      out[key] = sensitive.test(key) && value !== undefined && value !== null && typeof value !== 'object' ? REDACTED : redactBody(value, sensitive);
    }
    return out;
  }
  return body;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly limit = 5000) {}

  add(entry: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const logged = { seq: ++this.seq, ...entry };
    this.entries.push(logged);
    if (this.entries.length > this.limit) this.entries.shift();
    return logged;
  }

  all(): LoggedRequest[] {
    return [...this.entries];
  }

  /** Entries whose method matches (when given) and whose path contains the text or matches the pattern. */
  find(filter: { method?: string; path?: string | RegExp } = {}): LoggedRequest[] {
    const pattern = filter.path instanceof RegExp ? statelessPattern(filter.path) : undefined;
    return this.entries.filter((entry) => {
      if (filter.method && entry.method !== filter.method.toUpperCase()) return false;
      if (pattern) return pattern.test(entry.path);
      if (typeof filter.path === 'string') return entry.path.toLowerCase().includes(filter.path.toLowerCase());
      return true;
    });
  }

  count(filter: { method?: string; path?: string | RegExp } = {}): number {
    return this.find(filter).length;
  }

  clear(): void {
    this.entries = [];
  }
}
