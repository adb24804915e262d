import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpRequest, HttpResponse, InvocationContext, type Cookie, type HttpResponseInit } from '@azure/functions';
import { BrokerError } from '../../shared/errors/brokerError';
import { BodyTooLargeError, readBody } from '../http/readBody';
import { serveLoopback } from '../http/serveLoopback';
import { toProblemResponse } from '../../shared/http/problemResponse';
import type { InvocationHooks, PreInvocationContext, RegisteredFunction } from './functionsCore';
import { invocationTrace } from './traceContext';
import { traceContextOnly, type RequestTracer } from './requestTracer';
import { compileRouteTemplate, type RouteTemplate } from './routeTemplate';

// Serves registered HTTP functions the way the Functions host does: route prefix, route
// templates, methods, real HttpRequest and InvocationContext objects. Bad requests get
// problem+json; a throwing handler gets a bare 500 and never takes the host down.

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export type HostLogger = (level: string, message: string) => void;

export interface LocalHostOptions {
  functions: readonly RegisteredFunction[];
  routePrefix?: string;
  port?: number;
  host?: string;
  maxBodyBytes?: number;
  log?: HostLogger;
  /** preInvocation / postInvocation hooks, run around each invocation as the Node worker does. */
  hooks?: InvocationHooks;
  /** Records each invocation's request and gives its trace context; by default a trace context only. */
  tracer?: RequestTracer;
  /** Which of a function's own logs are kept (host.json's logging.logLevel, see functionLogFilter); by default all. */
  keepFunctionLog?: (functionName: string, level: string) => boolean;
}

export interface LocalHost {
  url: string;
  close(): Promise<void>;
}

interface Route {
  fn: RegisteredFunction;
  template: RouteTemplate;
  methods: string[];
}

function buildRoutes(functions: readonly RegisteredFunction[]): Route[] {
  return functions.map((fn) => ({
    fn,
    template: compileRouteTemplate(fn.trigger.route ?? fn.name),
    methods: (fn.trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
  }));
}

function stripPrefix(pathname: string, routePrefix: string): string | undefined {
  const prefix = routePrefix.replace(/^\/+|\/+$/g, '');
  if (!prefix) return pathname;
  const lower = pathname.toLowerCase();
  const wanted = `/${prefix.toLowerCase()}`;
  if (lower === wanted) return '/';
  if (lower.startsWith(`${wanted}/`)) return pathname.slice(wanted.length);
  return undefined;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const hooks = options.hooks ?? { preInvocation: [], postInvocation: [] };
  const appHookData: Record<string, unknown> = {};
  // As the Node worker: preInvocation hooks run first and may replace the callback, postInvocation hooks see the result.
  const invoke = async (fn: RegisteredFunction, request: HttpRequest, context: InvocationContext): Promise<unknown> => {
    const hookData: Record<string, unknown> = {};
    const pre: PreInvocationContext = { invocationContext: context, inputs: [request], functionCallback: fn.handler, hookData, appHookData };
    for (const hook of [...hooks.preInvocation]) await hook(pre);
    let result: unknown;
    let error: unknown;
    try {
      result = await pre.functionCallback(...pre.inputs, context);
    } catch (thrown) {
      error = thrown;
    }
    const post = { invocationContext: context, inputs: pre.inputs, result, error, hookData, appHookData };
    for (const hook of [...hooks.postInvocation]) await hook(post);
    if (post.error !== undefined) throw post.error;
    return post.result;
  };
  const routes = buildRoutes(options.functions);
  const routePrefix = options.routePrefix ?? 'api';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log: HostLogger = options.log ?? ((level, message) => console.log(`[${level}] ${message}`));

  const sendProblem = (res: ServerResponse, error: BrokerError, instance: string, traceId?: string) => {
    const problem = toProblemResponse(error, instance, traceId);
    res.writeHead(problem.status, problem.headers);
    res.end(problem.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const hostHeader = req.headers.host ?? '127.0.0.1';
    const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
    const trace = invocationTrace(single(req.headers.traceparent), single(req.headers.tracestate));
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${hostHeader}`);
    } catch {
      return sendProblem(res, new BrokerError('bad_request', 'The request URL is malformed.'), '/', trace.traceId);
    }
    const path = stripPrefix(url.pathname, routePrefix);
    const candidates = path === undefined ? [] : routes.map((route) => ({ route, params: route.template.match(path) })).filter((c) => c.params);
    if (candidates.length === 0) {
      return sendProblem(res, new BrokerError('route_not_found', `No function serves ${url.pathname}.`), url.pathname, trace.traceId);
    }
    const chosen = candidates.find((c) => c.route.methods.includes(method));
    if (!chosen) {
      const allow = [...new Set(candidates.flatMap((c) => c.route.methods))].join(', ');
      return sendProblem(res, new BrokerError('method_not_allowed', `${method} is not allowed on ${url.pathname}.`, { headers: { allow } }), url.pathname, trace.traceId);
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return sendProblem(res, new BrokerError('payload_too_large', `The request body is larger than ${maxBodyBytes} bytes.`), url.pathname, trace.traceId);
      }
      throw error;
    }

    const { fn } = chosen.route;
    const invocationId = randomUUID();
    const requestTrace = (options.tracer ?? traceContextOnly).start(fn.name, method, req.headers);
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: headersOf(req),
      params: chosen.params as Record<string, string>,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    const context = new InvocationContext({
      functionName: fn.name,
      invocationId,
      logHandler: (level, ...args) => {
        if (options.keepFunctionLog && !options.keepFunctionLog(fn.name, level)) return;
        const message = args.map(String).join(' ');
        log(level, `${fn.name}: ${message}`);
        requestTrace.log(level, message);
      },
      traceContext: { traceParent: requestTrace.traceParent, ...(requestTrace.traceState ? { traceState: requestTrace.traceState } : {}), attributes: {} },
    });
    let response: HttpResponse;
    try {
      const result = await invoke(fn, request, context);
      response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as HttpResponseInit);
    } catch (error) {
      // Like the Functions host: a bare 500, details only in the host log (name and message, no stack).
      const summary = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error thrown';
      log('error', `${fn.name} (${invocationId}) failed: ${summary}`);
      requestTrace.end(500);
      res.writeHead(500, { 'content-length': '0' });
      res.end();
      return;
    }
    const payload = Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') headers[name] = value;
    });
    if (response.cookies.length > 0) headers['set-cookie'] = response.cookies.map(serializeCookie);
    requestTrace.end(response.status);
    res.writeHead(response.status, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log('error', `host failed to serve a request: ${error instanceof Error ? error.message : 'unknown error'}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-length': '0' });
        res.end();
      } else {
        res.destroy();
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  // As the Functions host would, a request Node cannot parse still gets a problem+json answer.
  const listening = await serveLoopback(server, options.port ?? 0, host, (status) => {
    const error = status === 431 ? new BrokerError('headers_too_large', 'The request headers are too large.') : new BrokerError('bad_request', 'The request could not be parsed.');
    const problem = toProblemResponse(error);
    return { contentType: problem.headers['content-type'] as string, body: problem.body };
  });
  return { url: `http://${host}:${listening.port}`, close: listening.close };
}
