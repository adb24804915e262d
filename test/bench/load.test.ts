import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHUNK_PER_CONNECTION, nextChunkSize, runLoad } from '../../bench/load';

// autocannon against a small loopback server that admits two of three bearer tokens.

describe('runLoad', () => {
  let server: Server;
  let url: string;
  const seen = new Map<string, number>();
  let refused = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      seen.set(auth, (seen.get(auth) ?? 0) + 1);
      const ok = auth.startsWith('Bearer good-');
      if (!ok) refused += 1;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/embed/reports/x`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends the tokens in turn and counts every answer that is not 2xx as an error', async () => {
    const result = await runLoad({ url, connections: 3, amount: 30, maxSeconds: 20, tokens: ['good-1', 'good-2', 'bad'] });
    expect(result.requests).toBe(30);
    expect([...seen.keys()].sort()).toEqual(['Bearer bad', 'Bearer good-1', 'Bearer good-2']);
    expect(result.errors).toBe(refused);
    expect(result.ok + result.errors).toBe(30);
    expect(result.latency.count).toBe(result.ok);
    expect(result.connections).toBe(3);
  });

  it('goes in whole chunks and stops between them once the time is up', async () => {
    const result = await runLoad({ url, connections: 1, amount: 10 * CHUNK_PER_CONNECTION, maxSeconds: 0.001, tokens: ['good-1'] });
    expect(result.requests).toBe(CHUNK_PER_CONNECTION);
    expect(result.errors).toBe(0);
  });

  it('needs a token', async () => {
    await expect(runLoad({ url, connections: 1, amount: 1, maxSeconds: 1, tokens: [] })).rejects.toThrow(RangeError);
  });
});

describe('nextChunkSize', () => {
  it('starts with CHUNK_PER_CONNECTION requests per connection', () => {
    expect(nextChunkSize(10_000, 4, undefined, 5)).toBe(4 * CHUNK_PER_CONNECTION);
  });

  it('then sends about a second at the rate seen, less when less time is left', () => {
    expect(nextChunkSize(10_000, 4, 1500, 5)).toBe(1500);
    expect(nextChunkSize(10_000, 4, 1500, 0.5)).toBe(750);
  });

  it('sends at least one request per connection and never more than remain', () => {
    expect(nextChunkSize(10_000, 16, 3, 5)).toBe(16);
    expect(nextChunkSize(7, 16, 1500, 5)).toBe(7);
    expect(nextChunkSize(10_000, 2, 1500, -1)).toBe(2);
  });
});
