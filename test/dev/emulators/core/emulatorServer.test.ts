import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { EmulatorHttpError, EmulatorServer } from '../../../../dev/emulators/core/emulatorServer';
import { MAX_LOGGED_BODY_BYTES } from '../../../../dev/emulators/core/requestLog';
import { loadLocalCa, type LocalCa } from '../../../../dev/tls/localCa';

describe('EmulatorServer', () => {
  let server: EmulatorServer;
  let url: string;
  let ca: LocalCa;

  /** Sends raw bytes over TLS and resolves with everything the server wrote before closing. */
  function rawRequest(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port: Number(new URL(url).port), ca: ca.certPem, servername: 'localhost' }, () => socket.write(text));
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    });
  }

  beforeAll(async () => {
    ca = await loadLocalCa(process.env.LOCAL_CA_DIR as string);
    server = new EmulatorServer({ name: 'test', tls: await ca.issueServerCertificate(), requestIdHeader: 'RequestId' });
    server.route('GET', '/items/:id', (_req, params) => ({ status: 200, body: { id: params.id } }));
    server.route('POST', '/items', (req) => {
      const body = req.json() as { name?: unknown } | undefined;
      if (typeof body?.name !== 'string') throw new EmulatorHttpError(400, { error: { code: 'BadName' } });
      return { status: 201, body: { name: body.name } };
    });
    server.route('GET', '/crash', () => {
      throw new Error('handler bug');
    });
    server.route('GET', '/bad-header', (req) => ({ status: 200, headers: { 'x-echo': req.query.get('echo') ?? '' }, body: {} }));
    url = await server.listen();
  });

  afterEach(() => {
    server.faults.clear();
    server.log.clear();
  });

  afterAll(() => server.close());

  it('serves HTTPS trusted through the local CA, with a request id on every answer', async () => {
    const res = await fetch(`${url}/items/7`);
    expect(res.status).toBe(200);
    expect(res.headers.get('requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ id: '7' });
  });

  it('answers 404, 405, bad JSON and handler bugs without going down', async () => {
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/items/7`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${url}/items`, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await fetch(`${url}/items`, { method: 'POST', body: '{}' })).status).toBe(400);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect((await fetch(`${url}/crash`)).status).toBe(500);
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await fetch(`${url}/items`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
  });

  it('injects a status with Retry-After and a body', async () => {
    server.inject({ kind: 'status', status: 429, retryAfterSeconds: 3, body: { error: { code: 'TooMany' } } });
    const res = await fetch(`${url}/items/1`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ error: { code: 'TooMany' } });
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
  });

  it('injects a malformed body', async () => {
    server.inject({ kind: 'malformed' });
    const res = await fetch(`${url}/items/1`);
    await expect(res.json()).rejects.toThrow();
  });

  it('injects a connection reset', async () => {
    server.inject({ kind: 'reset' });
    await expect(fetch(`${url}/items/1`)).rejects.toThrow();
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
  });

  it('injects a hang that the client can abort', async () => {
    server.inject({ kind: 'hang' });
    await expect(fetch(`${url}/items/1`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(server.log.find({ path: '/items/1' })[0]).toMatchObject({ fault: 'hang' });
  });

  it('injects a delay and then answers normally', async () => {
    server.inject({ kind: 'delay', delayMs: 50 });
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
    expect(server.log.find({ path: '/items/1' })[0]).toMatchObject({ fault: 'delay', status: 200 });
  });

  it('takes faults and serves the request log over its admin API', async () => {
    const added = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status', status: 503, path: '/items/' }) });
    expect(added.status).toBe(201);
    expect((await fetch(`${url}/items/1`)).status).toBe(503);
    const bad = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'unknown' }) });
    expect(bad.status).toBe(400);
    const log = (await (await fetch(`${url}/_emulator/requests`)).json()) as { path: string; status: number }[];
    expect(log.map((entry) => [entry.path, entry.status])).toEqual([['/items/1', 503]]);
  });

  it('never logs a bearer token or a posted secret', async () => {
    await fetch(`${url}/items`, {
      method: 'POST',
      headers: { authorization: 'Bearer eyJ.secret-token.sig', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_secret=s3cr3t-value&client_id=abc',
    });
    const logged = JSON.stringify(server.log.all());
    expect(logged).not.toContain('secret-token');
    expect(logged).not.toContain('s3cr3t-value');
    expect(logged).toContain('abc');
  });

  it('answers 400 to a request target that is not a URL, and keeps serving', async () => {
    const answer = await rawRequest('GET http://[ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nrequestid: [0-9a-f-]{36}\r\n/i);
    expect(answer).toContain('"code":"BadRequest"');
    expect(server.log.all()).toEqual([expect.objectContaining({ method: 'GET', path: 'http://[', status: 400 })]);
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
  });

  it('answers 400 to a request Node cannot parse', async () => {
    expect(await rawRequest('GET /items/1 HTTP/1.1\r\nHost: localhost\r\nnot a header\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('reads a target starting with // as a path, not as a host', async () => {
    expect((await fetch(`${url}//items/7`)).status).toBe(404);
    expect(server.log.all().map((entry) => entry.path)).toEqual(['//items/7']);
  });

  it('answers 500 instead of dropping the connection when an answer has a header Node refuses', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const res = await fetch(`${url}/bad-header?echo=${encodeURIComponent('a\nb')}`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'InternalError' } });
    expect(server.log.find({ path: '/bad-header' }).map((entry) => entry.status)).toEqual([500]);
    expect((await fetch(`${url}/bad-header?echo=fine`)).headers.get('x-echo')).toBe('fine');
  });

  it('refuses a fault over the admin API whose headers could not be sent', async () => {
    const bad = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'status', status: 503, headers: { 'bad name': 'x' } }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BadFault' } });
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
  });

  it('logs a body over the size cap as its length only', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(MAX_LOGGED_BODY_BYTES) });
    expect((await fetch(`${url}/items`, { method: 'POST', body: big })).status).toBe(201);
    expect((await fetch(`${url}/items`, { method: 'POST', body: JSON.stringify({ name: 'small' }) })).status).toBe(201);
    expect(server.log.find({ path: '/items' }).map((entry) => entry.body)).toEqual([`[${Buffer.byteLength(big)} bytes]`, { name: 'small' }]);
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.end('\x16\x03\x01 not tls at all'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
  });
});
