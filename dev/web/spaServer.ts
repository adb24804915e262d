import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { serveLoopback } from '../http/serveLoopback';

// Serves the built sample SPA (dist/web) on 127.0.0.1 with its runtime /config.json, and
// forwards /api/* to the functions host: the SPA and its API share one origin, as they do
// behind Azure Static Web Apps with a linked Functions backend, so no CORS is needed.

export interface SpaServerOptions {
  /** The built SPA (index.html and assets/). */
  root: string;
  /** Where /api/* goes, e.g. http://127.0.0.1:7071. */
  apiUrl: string;
  /** Served as /config.json. */
  config: Record<string, unknown>;
  port?: number;
}

export interface SpaServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...(status === 503 ? { 'retry-after': '2' } : {}) });
  res.end(JSON.stringify({ type: `urn:powerbi-embed-broker:problem:${code.replace(/_/g, '-')}`, title: status === 503 ? 'Service Unavailable' : 'Not Found', status, code, detail }));
}

function forward(req: IncomingMessage, res: ServerResponse, apiUrl: string): void {
  const target = new URL(req.url ?? '/', apiUrl);
  const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  // The API is not running: the answer a platform front end gives for a backend that is down.
  upstream.on('error', () => {
    if (!res.headersSent) problem(res, 503, 'upstream_unavailable', 'The API is not reachable.');
    else res.destroy();
  });
  req.pipe(upstream);
}

export async function startSpaServer(options: SpaServerOptions): Promise<SpaServer> {
  if (!existsSync(join(options.root, 'index.html'))) throw new Error(`${options.root} has no index.html: run npm run build`);
  const config = JSON.stringify(options.config);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://spa.local').pathname);
    if (path === '/api' || path.startsWith('/api/')) return forward(req, res, options.apiUrl);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      return res.end();
    }
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': TYPES['.json'] as string, 'cache-control': 'no-store' });
      return res.end(config);
    }
    const file = normalize(join(options.root, path));
    const inside = file.startsWith(options.root.endsWith(sep) ? options.root : options.root + sep);
    // Unknown paths get index.html (client-side routes), as a static web app's fallback does.
    const chosen = inside && existsSync(file) && statSync(file).isFile() ? file : join(options.root, 'index.html');
    if (!inside && path !== '/') return problem(res, 404, 'route_not_found', 'Not found.');
    res.writeHead(200, { 'content-type': TYPES[extname(chosen)] ?? 'application/octet-stream', 'cache-control': chosen.endsWith('index.html') ? 'no-store' : 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
    if (req.method === 'HEAD') return res.end();
    createReadStream(chosen).pipe(res);
  });
  const listening = await serveLoopback(server, options.port ?? 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${listening.port}`, close: listening.close };
}
