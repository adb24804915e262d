import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSpaServer, type SpaServer } from '../../../dev/web/spaServer';

// The sample SPA's local server: static files with an index.html fallback, the runtime
// /config.json, and /api/* forwarded to the functions host (503 problem when it is down).

describe('SPA server', () => {
  let root: string;
  let api: Server;
  let apiUrl: string;
  let spa: SpaServer;
  const seen: { method: string; url: string; authorization: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    const parent = mkdtempSync(join(tmpdir(), 'spa-'));
    root = join(parent, 'site');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>spa</title>');
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(parent, 'outside.txt'), 'secret');
    api = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
        res.writeHead(201, { 'content-type': 'application/json', 'x-from': 'api' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    spa = await startSpaServer({ root, apiUrl, config: { clientId: 'c1', reports: [] } });
  });

  afterAll(async () => {
    await spa.close();
    await new Promise((resolve) => api.close(resolve));
    rmSync(join(root, '..'), { recursive: true, force: true });
  });

  it('serves files, falls back to index.html, and never leaves its root', async () => {
    const js = await fetch(`${spa.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    expect(await (await fetch(`${spa.url}/reports/sales`)).text()).toContain('<title>spa</title>');
    expect(await (await fetch(`${spa.url}/..%2Foutside.txt`)).text()).not.toContain('secret');
    expect((await fetch(`${spa.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('answers the runtime configuration', async () => {
    const res = await fetch(`${spa.url}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ clientId: 'c1', reports: [] });
  });

  it('forwards /api with method, path, headers and body, and answers 503 problem+json when the API is down', async () => {
    const res = await fetch(`${spa.url}/api/embed/reports/x?y=1`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: 'hello' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-from')).toBe('api');
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/api/embed/reports/x?y=1', authorization: 'Bearer t', body: 'hello' });

    const down = await startSpaServer({ root, apiUrl: 'http://127.0.0.1:9', config: {} });
    try {
      const answer = await fetch(`${down.url}/api/health`);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(answer.headers.get('retry-after')).toBe('2');
      expect(await answer.json()).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    } finally {
      await down.close();
    }
  });
});
