import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ConfidentialClientApplication } from '@azure/msal-node';

// The anchor every bench figure is compared with: a minimal re-creation of the naive design of
// Microsoft's Node "embed for your customers" sample, against the same emulators. On every
// request it makes a new msal client (so a new, empty token cache), gets an Entra token with
// the client secret from its settings, reads the report (Get Report In Group) and calls
// GenerateToken. It checks no caller token and applies no policy, so it does less work per
// request than the broker; nothing here comes from shared/.
//
// `node dist/bench/anchorServer.js` with ANCHOR_* settings in the environment; prints
// `listening on http://127.0.0.1:<port>` and serves GET /api/embed/reports/<any key>.

interface AnchorSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  scope: string;
  powerBiApiUrl: string;
  workspaceId: string;
  reportId: string;
  /** The RLS identity sent with every GenerateToken (the demo report's dataset requires one). */
  username: string;
  role: string;
}

function readSettings(env: NodeJS.ProcessEnv): AnchorSettings {
  const get = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    tenantId: get('ANCHOR_TENANT_ID'),
    clientId: get('ANCHOR_CLIENT_ID'),
    clientSecret: get('ANCHOR_CLIENT_SECRET'),
    authorityHost: get('ANCHOR_AUTHORITY_HOST').replace(/\/+$/, ''),
    scope: get('ANCHOR_SCOPE'),
    powerBiApiUrl: get('ANCHOR_POWERBI_API_URL').replace(/\/+$/, ''),
    workspaceId: get('ANCHOR_WORKSPACE_ID'),
    reportId: get('ANCHOR_REPORT_ID'),
    username: env.ANCHOR_USERNAME ?? 'anchor@contoso.example',
    role: env.ANCHOR_ROLE ?? 'Region EU',
  };
}

async function powerBiJson(url: string, accessToken: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Power BI answered ${response.status}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function embedInfo(s: AnchorSettings): Promise<unknown> {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: s.clientId,
      authority: `${s.authorityHost}/${s.tenantId}`,
      clientSecret: s.clientSecret,
      // The sample's authority is login.microsoftonline.com, which msal knows; the emulator's host must be named.
      knownAuthorities: [new URL(s.authorityHost).host],
    },
  });
  const token = await msal.acquireTokenByClientCredential({ scopes: [s.scope] });
  if (!token?.accessToken) throw new Error('no access token');
  const api = `${s.powerBiApiUrl}/v1.0/myorg`;
  const report = await powerBiJson(`${api}/groups/${s.workspaceId}/reports/${s.reportId}`, token.accessToken);
  const datasetId = String(report.datasetId);
  const embedToken = await powerBiJson(`${api}/GenerateToken`, token.accessToken, {
    datasets: [{ id: datasetId }],
    reports: [{ id: s.reportId }],
    targetWorkspaces: [{ id: s.workspaceId }],
    identities: [{ username: s.username, roles: [s.role], datasets: [datasetId] }],
  });
  return { type: 'report', id: report.id, embedUrl: report.embedUrl, accessToken: embedToken.token, tokenId: embedToken.tokenId, expiration: embedToken.expiration };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function main(): void {
  const settings = readSettings(process.env);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || !/^\/api\/embed\/reports\/[^/]+$/.test(req.url ?? '')) return send(res, 404, { error: 'not found' });
    embedInfo(settings).then(
      (body) => send(res, 200, body),
      (error: unknown) => send(res, 500, { error: error instanceof Error ? error.message : 'failed' }),
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') console.log(`anchor listening on http://127.0.0.1:${address.port}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
