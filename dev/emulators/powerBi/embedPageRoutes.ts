import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EmulatorHttpError, type EmulatorRequest, type EmulatorServer } from '../core/emulatorServer';
import { visibleRows, type DatasetTable } from './embedData';
import { InvalidEmbedTokenError, type DecodedEmbedToken } from './embedTokenCodec';
import type { Report } from './model';

// The report embed page at the `embedUrl` item answers carry (`/reportEmbed?reportId=...`):
// an HTML page whose script (built from embedPage/reportEmbed.ts into dist/embed-page) speaks
// powerbi-client's postMessage protocol, and the data call that script makes with the embed
// token (`Authorization: EmbedToken ...`), which answers the rows the token's identity may see.

export interface EmbedPageContext {
  decodeEmbedToken(token: string): DecodedEmbedToken;
  report(id: string): Report | undefined;
  datasetTable(datasetId: string): DatasetTable | undefined;
  now(): number;
}

/** The built page script: dist/embed-page/reportEmbed.js under the repository root. */
export function defaultEmbedPageScript(start: string = __dirname): string {
  let dir = resolve(start);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'embed-page', 'reportEmbed.js');
}

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Power BI report (local emulator)</title>
<style>body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;padding:1rem;color:#252423;background:#fff}
h1{font-size:1.2rem;margin:0 0 .2rem}.sub{color:#605e5c;margin:0 0 .8rem;font-size:.9rem}
table{border-collapse:collapse;min-width:60%}th,td{padding:.35rem .8rem;border-bottom:1px solid #edebe9;text-align:left}
th{background:#f3f2f1}td.num{text-align:right}.bar{background:#118dff;height:.7rem;display:inline-block}
.status{padding:.6rem;background:#fde7e9;color:#a4262c}</style></head>
<body data-state="loading"><div id="report"><p class="sub">Loading...</p></div>
<script src="/_embed/reportEmbed.js"></script></body></html>`;

function embedToken(req: EmulatorRequest): string {
  const header = req.header('authorization') ?? '';
  const match = /^EmbedToken\s+(\S+)$/i.exec(header);
  if (!match) throw new EmulatorHttpError(403, { error: { code: 'TokenNotProvided', message: 'An embed token is required (Authorization: EmbedToken ...).' } });
  return match[1] as string;
}

export function addEmbedPageRoutes(server: EmulatorServer, ctx: EmbedPageContext, scriptPath: () => string): void {
  const page = () => ({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body: PAGE });
  server.route('GET', '/reportEmbed', page);
  server.route('GET', '/_embed/reportEmbed.js', () => {
    const path = scriptPath();
    if (!existsSync(path)) throw new EmulatorHttpError(500, `/* ${path} is missing: run npm run build */`, { 'content-type': 'text/javascript' });
    return { status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }, body: readFileSync(path) };
  });
  server.route('GET', '/_embed/reports/:reportId/data', (req, { reportId = '' }) => {
    let claims: DecodedEmbedToken;
    try {
      claims = ctx.decodeEmbedToken(embedToken(req));
    } catch (error) {
      if (error instanceof InvalidEmbedTokenError) throw new EmulatorHttpError(403, { error: { code: 'InvalidToken', message: error.message } });
      throw error;
    }
    if (Date.parse(claims.expiration) <= ctx.now()) {
      throw new EmulatorHttpError(403, { error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' } });
    }
    const grant = claims.reports.find((r) => r.id.toLowerCase() === reportId.toLowerCase());
    const report = ctx.report(reportId);
    if (!grant || !report) throw new EmulatorHttpError(403, { error: { code: 'PowerBINotAuthorizedException', message: 'The embed token does not grant this report.' } });
    const table = report.datasetId ? ctx.datasetTable(report.datasetId) : undefined;
    const identity = claims.identities.find((i) => report.datasetId && i.datasets.some((d) => d.toLowerCase() === report.datasetId?.toLowerCase()));
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: {
        report: { id: report.id, name: report.name },
        expiration: claims.expiration,
        tokenId: claims.tokenId,
        ...(identity ? { identity: { username: identity.username, roles: identity.roles } } : {}),
        columns: table?.columns ?? [],
        rows: table && report.datasetId ? visibleRows(table, report.datasetId, claims.identities) : [],
      },
    };
  });
}
