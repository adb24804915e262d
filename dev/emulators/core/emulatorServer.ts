import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readBody } from '../../http/readBody';
import { serveLoopback, type ListeningServer } from '../../http/serveLoopback';
import { faultFromJson, FaultInjector, type FaultSpec } from './faults';
import { MAX_LOGGED_BODY_BYTES, redactBody, redactHeaders, RequestLog } from './requestLog';
import { Router, type RouteHandler } from './router';

// The HTTP(S) server every emulator runs on: routing, body parsing, fault injection,
// a request log, an admin API under /_emulator, and never a crash on a bad request.

export const MAX_EMULATOR_BODY_BYTES = 1024 * 1024;

export interface EmulatorRequest {
  method: string;
  url: URL;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
  /** The body parsed as JSON; throws an EmulatorHttpError(400) when it is not JSON. */
  json(): unknown;
  /** The body parsed as application/x-www-form-urlencoded. */
  form(): URLSearchParams;
  header(name: string): string | undefined;
}

export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings and buffers as they are. */
  body?: unknown;
}

/** Thrown by handlers to answer with a given status and body. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`emulator answered ${status}`);
  }
}

export interface EmulatorServerOptions {
  name: string;
  /** Serve HTTPS with this certificate; plain HTTP when unset. */
  tls?: { certPem: string; keyPem: string };
  /** Header that carries a per-response request id (e.g. `RequestId` for Power BI). */
  requestIdHeader?: string;
  /** Answer for requests no route matches. */
  notFound?: (req: EmulatorRequest) => EmulatorResponse;
  random?: () => number;
}

export class EmulatorServer {
  readonly router = new Router<EmulatorRequest, EmulatorResponse>();
  readonly faults: FaultInjector;
  readonly log = new RequestLog();
  private listening: ListeningServer | undefined;
  private readonly hanging = new Set<ServerResponse>();
  private baseUrl: string | undefined;

  constructor(private readonly options: EmulatorServerOptions) {
    this.faults = new FaultInjector(options.random);
    this.addAdminRoutes();
  }

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.options.name} emulator is not listening`);
    return this.baseUrl;
  }

  route(method: string, pattern: string, handler: RouteHandler<EmulatorRequest, EmulatorResponse>): this {
    this.router.add(method, pattern, handler);
    return this;
  }

  inject(spec: FaultSpec): void {
    this.faults.inject(spec);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        console.error(`[${this.options.name}] failed to serve a request`, error instanceof Error ? error.message : error);
        res.destroy();
      });
    };
    const server = this.options.tls
      ? createHttpsServer({ cert: this.options.tls.certPem, key: this.options.tls.keyPem }, handler)
      : createHttpServer(handler);
    this.listening = await serveLoopback(server, port, host);
    this.baseUrl = `${this.options.tls ? 'https' : 'http'}://${host}:${this.listening.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const listening = this.listening;
    if (!listening) return;
    this.listening = undefined;
    for (const res of this.hanging) res.destroy();
    await listening.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = randomUUID();
    const url = parseTarget(req.url ?? '/');
    if (!url) {
      req.resume();
      this.send(res, { status: 400, body: { error: { code: 'BadRequest', message: 'The request target is not a valid URL.' } } }, requestId);
      this.log.add({ method, path: req.url ?? '', query: {}, headers: redactHeaders(req.headers), requestId, time: new Date().toISOString(), body: undefined, status: 400 });
      return;
    }
    const entry = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: redactHeaders(req.headers), requestId };
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, MAX_EMULATOR_BODY_BYTES);
    } catch {
      this.send(res, { status: 413, body: { error: { code: 'RequestEntityTooLarge' } } }, requestId);
      this.log.add({ ...entry, time: new Date().toISOString(), body: undefined, status: 413 });
      return;
    }
    const request = makeRequest(method, url, req, rawBody);
    const isAdmin = url.pathname.startsWith('/_emulator/');
    const decision = isAdmin ? { kind: 'none' as const } : this.faults.decide(method, url.pathname);
    const logEntry = (status: number) =>
      isAdmin ? undefined : this.log.add({ ...entry, time: new Date().toISOString(), body: loggableBody(request), status, ...(decision.kind !== 'none' ? { fault: decision.kind } : {}) });

    switch (decision.kind) {
      case 'reset':
        logEntry(0);
        // A TLS socket cannot send a TCP RST through Node's API; destroying it drops the connection.
        if ('encrypted' in req.socket) req.socket.destroy();
        else req.socket.resetAndDestroy();
        return;
      case 'hang':
        logEntry(0);
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      case 'malformed':
        logEntry(200);
        res.writeHead(200, { 'content-type': 'application/json', ...(this.options.requestIdHeader ? { [this.options.requestIdHeader]: requestId } : {}) });
        res.end('{"truncated": [1, 2,');
        return;
      case 'status': {
        const { spec } = decision;
        const headers: Record<string, string> = { ...(spec.headers ?? {}) };
        if (spec.retryAfterSeconds !== undefined) headers['Retry-After'] = String(spec.retryAfterSeconds);
        logEntry(this.send(res, { status: spec.status as number, headers, body: spec.body ?? '' }, requestId));
        return;
      }
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, decision.spec.delayMs ?? 1000));
        if (res.destroyed) return;
        break;
      case 'none':
        break;
    }

    let response: EmulatorResponse;
    try {
      const match = this.router.match(method, url.pathname);
      if (match === 'method-not-allowed') {
        response = { status: 405, body: { error: { code: 'MethodNotAllowed', message: `${method} is not allowed here` } } };
      } else if (!match) {
        response = this.options.notFound?.(request) ?? { status: 404, body: { error: { code: 'NotFound', message: `no route for ${url.pathname}` } } };
      } else {
        response = await match.handler(request, match.params);
      }
    } catch (error) {
      response =
        error instanceof EmulatorHttpError
          ? { status: error.status, headers: error.headers, body: error.body }
          : { status: 500, body: { error: { code: 'InternalError', message: 'the emulator failed to handle this request' } } };
      if (!(error instanceof EmulatorHttpError)) console.error(`[${this.options.name}] handler error`, error);
    }
    logEntry(this.send(res, response, requestId));
  }

  /** Sends the answer and returns the status sent (500 when the answer could not be sent as built). */
  private send(res: ServerResponse, response: EmulatorResponse, requestId: string): number {
    if (res.destroyed || res.headersSent) return response.status;
    const headers: Record<string, string> = { ...(response.headers ?? {}) };
    if (this.options.requestIdHeader) headers[this.options.requestIdHeader] = requestId;
    const problem = responseProblem(response.status, headers);
    if (problem) {
      // A status or header Node refuses to send would otherwise throw here and drop the connection.
      console.error(`[${this.options.name}] cannot send its answer: ${problem}`);
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'InternalError', message: 'the emulator built an answer it cannot send' } }));
      return 500;
    }
    let payload: Buffer | string = '';
    if (Buffer.isBuffer(response.body) || typeof response.body === 'string') {
      payload = response.body;
    } else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    res.writeHead(response.status, headers);
    res.end(payload);
    return response.status;
  }

  private addAdminRoutes(): void {
    this.route('GET', '/_emulator/requests', () => ({ status: 200, body: this.log.all() }));
    this.route('DELETE', '/_emulator/requests', () => {
      this.log.clear();
      return { status: 204 };
    });
    this.route('POST', '/_emulator/faults', (req) => {
      try {
        this.faults.inject(faultFromJson(req.json()));
      } catch (error) {
        if (error instanceof EmulatorHttpError) throw error;
        throw new EmulatorHttpError(400, { error: { code: 'BadFault', message: (error as Error).message } });
      }
      return { status: 201, body: { pending: this.faults.pending } };
    });
    this.route('DELETE', '/_emulator/faults', () => {
      this.faults.clear();
      return { status: 204 };
    });
  }
}

function makeRequest(method: string, url: URL, req: IncomingMessage, rawBody: Buffer): EmulatorRequest {
  let parsed: { value: unknown } | undefined;
  return {
    method,
    url,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    json() {
      if (!parsed) {
        try {
          parsed = { value: rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined };
        } catch {
          throw new EmulatorHttpError(400, { error: { code: 'InvalidRequest', message: 'The request body is not valid JSON.' } });
        }
      }
      return parsed.value;
    },
    form() {
      return new URLSearchParams(rawBody.toString('utf8'));
    },
    header(name: string) {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}

/**
 * The URL of a request target. An origin-form target (`/path?query`) is read as a path even
 * when it starts with `//`; anything that does not parse (`http://[`) gives undefined.
 */
function parseTarget(target: string): URL | undefined {
  try {
    return target.startsWith('/') ? new URL(`http://emulator.local${target}`) : new URL(target, 'http://emulator.local');
  } catch {
    return undefined;
  }
}

/** Why Node would refuse to send this status and these headers, or undefined when it would not. */
function responseProblem(status: number, headers: Record<string, string>): string | undefined {
  if (!Number.isInteger(status) || status < 100 || status > 999) return `invalid status ${status}`;
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch {
      return `invalid header ${JSON.stringify(name)}`;
    }
  }
  return undefined;
}

function loggableBody(request: EmulatorRequest): unknown {
  if (!request.rawBody.length) return undefined;
  if (request.rawBody.length > MAX_LOGGED_BODY_BYTES) return `[${request.rawBody.length} bytes]`;
  const type = request.header('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return redactBody(Object.fromEntries(request.form()));
  try {
    return redactBody(request.json());
  } catch {
    return `[${request.rawBody.length} bytes, not JSON]`;
  }
}
