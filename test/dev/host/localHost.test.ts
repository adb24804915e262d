import { startLocalHost, type LocalHost } from '../../../dev/host/localHost';
import '../../fixtures/sampleFunctions';
import { recorded, registerHook } from '../../helpers/functionsCore';

describe('local host', () => {
  let host: LocalHost;
  const logs: string[] = [];

  beforeAll(async () => {
    host = await startLocalHost({ functions: recorded.functions, routePrefix: 'api', maxBodyBytes: 1024, log: (level, message) => logs.push(`${level} ${message}`) });
  });

  afterAll(() => host.close());

  it('passes route params, query, headers and body to a real HttpRequest', async () => {
    const res = await fetch(`${host.url}/api/echo/42/widget?flag=1`, { method: 'POST', headers: { 'x-sample': 'hello' }, body: 'payload' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ method: 'POST', params: { id: '42', name: 'widget' }, query: { flag: '1' }, header: 'hello', body: 'payload', functionName: 'echo' });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('honours the route prefix', async () => {
    expect((await fetch(`${host.url}/echo/42`)).status).toBe(404);
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const res = await fetch(`${host.url}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 404, code: 'route_not_found' });
  });

  it('answers a route constraint mismatch with 404', async () => {
    expect((await fetch(`${host.url}/api/echo/abc`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/items/not-a-guid`)).status).toBe(404);
    const ok = await fetch(`${host.url}/api/items/3F2504E0-4F89-11D3-9A0C-0305E82C3301`);
    expect(await ok.json()).toEqual({ id: '3F2504E0-4F89-11D3-9A0C-0305E82C3301' });
  });

  it('answers a wrong method with 405 problem+json and an Allow header', async () => {
    const res = await fetch(`${host.url}/api/echo/1`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, PUT');
    expect(await res.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('refuses bodies over the limit with 413 problem+json', async () => {
    const res = await fetch(`${host.url}/api/echo/1`, { method: 'POST', body: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers malformed JSON with 400 problem+json through the shared body reader', async () => {
    const bad = await fetch(`${host.url}/api/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"unterminated": ' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ code: 'invalid_json' });
    const notJson = await fetch(`${host.url}/api/json`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(await notJson.json()).toMatchObject({ status: 400, code: 'bad_request' });
    const good = await fetch(`${host.url}/api/json`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":[1]}' });
    expect(await good.json()).toEqual({ received: { a: [1] } });
  });

  it('serves catch-all routes', async () => {
    expect(await (await fetch(`${host.url}/api/files/a/b.txt`)).json()).toEqual({ rest: 'a/b.txt' });
  });

  it('passes status, headers, cookies and body from an HttpResponse', async () => {
    const res = await fetch(`${host.url}/api/cookies`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['session=a%20b; Path=/; Secure; HttpOnly; SameSite=Strict']);
    expect(await res.text()).toBe('created');
  });

  it('turns a throwing handler into a bare 500 without the error text, and keeps serving', async () => {
    const res = await fetch(`${host.url}/api/throws`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('');
    expect(logs.some((line) => line.includes('boom'))).toBe(true);
    expect((await fetch(`${host.url}/api/echo/1`)).status).toBe(200);
  });

  it('survives a malformed HTTP request', async () => {
    const { connect } = await import('node:net');
    const { port } = new URL(host.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GARBAGE \x00\x01 nonsense\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toMatch(/content-type: application\/problem\+json/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'bad_request' });
    expect((await fetch(`${host.url}/api/echo/1`)).status).toBe(200);
  });

  it('answers headers over the limit with a 431 problem', async () => {
    const res = await fetch(`${host.url}/api/echo/1`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 431, code: 'headers_too_large' });
  });
});

describe('local host trace context and invocation hooks', () => {
  let host: LocalHost;
  const TRACE = '0af7651916cd43dd8448eb211c80319c';

  beforeAll(async () => {
    host = await startLocalHost({ functions: recorded.functions, hooks: recorded.hooks, routePrefix: 'api', log: () => undefined });
  });

  afterAll(() => host.close());

  it('hands each invocation a trace context that continues the caller\'s trace', async () => {
    const res = await fetch(`${host.url}/api/traced`, { headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01`, tracestate: 'vendor=1' } });
    const body = (await res.json()) as { traceParent: string; traceState: string };
    expect(body.traceParent).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(body.traceState).toBe('vendor=1');
    const fresh = (await (await fetch(`${host.url}/api/traced`)).json()) as { traceParent: string };
    expect(fresh.traceParent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(fresh.traceParent).not.toContain(TRACE);
  });

  it('puts the trace id in every problem body, the function\'s and the host\'s own', async () => {
    const headers = { traceparent: `00-${TRACE}-b7ad6b7169203331-01` };
    const refused = await fetch(`${host.url}/api/traced?fail`, { headers });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'forbidden', traceId: TRACE });
    const unknown = await fetch(`${host.url}/api/nothing-here`, { headers });
    expect(await unknown.json()).toMatchObject({ code: 'route_not_found', traceId: TRACE });
    const wrongMethod = await fetch(`${host.url}/api/traced`, { method: 'DELETE' });
    expect(((await wrongMethod.json()) as { traceId: string }).traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('runs preInvocation hooks first (they may wrap the callback) and postInvocation hooks with the result', async () => {
    const seen: string[] = [];
    const pre = registerHook('preInvocation', (context: { functionCallback: (...args: unknown[]) => Promise<unknown>; invocationContext: { functionName: string } }) => {
      seen.push(`pre ${context.invocationContext.functionName}`);
      const inner = context.functionCallback;
      context.functionCallback = async (...args: unknown[]) => {
        seen.push('wrapped');
        return inner(...args);
      };
    });
    const post = registerHook('postInvocation', (context: { result: { status?: number } | undefined; error: unknown }) => {
      seen.push(`post ${context.error === undefined ? 'ok' : 'error'}`);
    });
    try {
      expect((await fetch(`${host.url}/api/traced`)).status).toBe(200);
      expect(seen).toEqual(['pre traced', 'wrapped', 'post ok']);
    } finally {
      pre.dispose();
      post.dispose();
    }
    seen.length = 0;
    await fetch(`${host.url}/api/traced`);
    expect(seen).toEqual([]);
  });
});
