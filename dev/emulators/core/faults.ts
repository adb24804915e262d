import { validateHeaderName, validateHeaderValue } from 'node:http';

// Fault injection shared by every emulator: the next N matching calls, or a share of them.

export type FaultKind = 'status' | 'delay' | 'hang' | 'malformed' | 'reset';

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests with this method (any when unset). */
  method?: string;
  /**
   * Only requests whose path contains this text, or matches this pattern (any when unset).
   * The `g` and `y` flags are ignored: they would make `test` remember where it stopped.
   */
  path?: string | RegExp;
  /** How many matching calls the fault applies to. Default 1. Ignored when `ratio` is set. */
  times?: number;
  /** Share of matching calls (0..1) the fault applies to, until cleared. */
  ratio?: number;
  /** For `status`: the status code, body and headers to answer with. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** For `status`: adds a `Retry-After` header in seconds. */
  retryAfterSeconds?: number;
  /** For `delay`: how long to wait before handling the request normally. */
  delayMs?: number;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
  pattern: RegExp | undefined;
}

/** What the server should do for one request. */
export type FaultDecision = { kind: 'none' } | { kind: FaultKind; spec: FaultSpec };

export class FaultInjector {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  inject(spec: FaultSpec): void {
    if (spec.ratio !== undefined && !(spec.ratio >= 0 && spec.ratio <= 1)) {
      throw new RangeError('ratio must be between 0 and 1');
    }
    if (spec.kind === 'status' && (spec.status === undefined || !Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
      throw new RangeError('a status fault needs an integer status between 100 and 599');
    }
    const pattern = spec.path instanceof RegExp ? statelessPattern(spec.path) : undefined;
    this.faults.push({ spec, remaining: spec.ratio === undefined ? (spec.times ?? 1) : Infinity, pattern });
  }

  clear(): void {
    this.faults = [];
  }

  get pending(): number {
    return this.faults.length;
  }

  decide(method: string, path: string): FaultDecision {
    for (const fault of this.faults) {
      if (!this.matches(fault, method, path)) continue;
      if (fault.spec.ratio !== undefined && this.random() >= fault.spec.ratio) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return { kind: fault.spec.kind, spec: fault.spec };
    }
    return { kind: 'none' };
  }

  private matches(fault: ActiveFault, method: string, path: string): boolean {
    const { spec } = fault;
    if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) return false;
    if (fault.pattern) return fault.pattern.test(path);
    if (typeof spec.path === 'string') return path.toLowerCase().includes(spec.path.toLowerCase());
    return true;
  }
}

/** Parses a fault sent to an emulator's admin endpoint as JSON (`path` may be `/regex/flags`). */
export function faultFromJson(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object') throw new TypeError('a fault must be a JSON object');
  const raw = input as Record<string, unknown>;
  const kinds: FaultKind[] = ['status', 'delay', 'hang', 'malformed', 'reset'];
  if (!kinds.includes(raw.kind as FaultKind)) throw new TypeError(`kind must be one of ${kinds.join(', ')}`);
  const spec: FaultSpec = { kind: raw.kind as FaultKind };
  if (typeof raw.method === 'string') spec.method = raw.method;
  if (typeof raw.path === 'string') {
    const regex = /^\/(.+)\/([a-z]*)$/.exec(raw.path);
    spec.path = regex ? new RegExp(regex[1] as string, stripStatefulFlags(regex[2] ?? '')) : raw.path;
  }
  for (const key of ['times', 'ratio', 'status', 'retryAfterSeconds', 'delayMs'] as const) {
    if (typeof raw[key] === 'number') spec[key] = raw[key];
  }
  if ('body' in raw) spec.body = raw.body;
  if (raw.headers !== undefined && raw.headers !== null) spec.headers = headersFromJson(raw.headers);
  return spec;
}

/** The headers of a JSON fault: names and string values Node can send, or a TypeError (never a failure when the fault fires). */
function headersFromJson(input: unknown): Record<string, string> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('headers must be an object of strings');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (typeof value !== 'string') throw new TypeError(`header ${JSON.stringify(name)} must be a string`);
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      throw new TypeError(`header ${JSON.stringify(name)} is not a valid HTTP header`);
    }
    headers[name] = value;
  }
  return headers;
}

function stripStatefulFlags(flags: string): string {
  return flags.replace(/[gy]/g, '');
}

/** The pattern without `g`/`y`: with them `test` starts at `lastIndex`, so matches would alternate. */
export function statelessPattern(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky ? new RegExp(pattern.source, stripStatefulFlags(pattern.flags)) : pattern;
}
