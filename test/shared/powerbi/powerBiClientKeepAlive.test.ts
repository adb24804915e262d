import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PowerBiClient } from '../../../shared/powerbi/powerBiClient';

// Over real HTTP on loopback with Node's own fetch: the calls of a cold embed, one after the
// other, go over one kept-alive connection. undici returns a connection to its pool only after
// the I/O turn that ended the previous answer, so a call sent at once would open another (a TCP
// and TLS handshake more to Power BI).

const WORKSPACE = '5a1e5000-0000-4000-8000-000000000001';
const REPORT = '5a1e5000-0000-4000-8000-0000000000a1';
const DATASET = '5a1e5000-0000-4000-8000-0000000000d1';

describe('PowerBiClient connections', () => {
  let server: Server;
  let connections = 0;
  let url = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = req.url?.includes('/reports/')
        ? { id: REPORT, name: 'Sales', datasetId: DATASET, embedUrl: `https://app.powerbi.test/reportEmbed?reportId=${REPORT}` }
        : req.url?.includes('/datasets/')
          ? { id: DATASET, isEffectiveIdentityRequired: true, isEffectiveIdentityRolesRequired: true }
          : { token: 'H4sI-embed-token', tokenId: '11111111-2222-4333-8444-555555555555', expiration: new Date(Date.now() + 3_600_000).toISOString() };
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends Get Report, Get Dataset and GenerateToken over one connection', async () => {
    const client = new PowerBiClient({ apiUrl: url, getAccessToken: async () => 'access-token', callTimeoutMs: 5_000, deadlineMs: 10_000 });
    const report = await client.getReport(WORKSPACE, REPORT);
    await client.getDataset(WORKSPACE, report.datasetId as string);
    await client.generateToken({ datasets: [{ id: DATASET }], reports: [{ id: REPORT }] });
    expect(connections).toBe(1);
  });
});
