import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback endpoint that takes Application Insights ingestion calls (POST /v2.1/track and the
// like) and accepts every item, so a broker started with telemetry on sends it somewhere local.
// It only absorbs: no figure depends on what it receives beyond the count.

export interface TelemetrySink {
  connectionString: string;
  received(): number;
  close(): Promise<void>;
}

export async function startTelemetrySink(): Promise<TelemetrySink> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    connectionString: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${url};LiveEndpoint=${url}`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
