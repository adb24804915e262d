// The local Power BI report page's script (runs in the iframe powerbi-client creates).
// It speaks powerbi-client's postMessage protocol: requests arrive as
// { method, url, headers: { id, uid, ... }, body } and are answered with
// { statusCode, headers: { id }, body }; events go to the parent as POSTs to
// /reports/{uid}/events/{name}. It loads the report's rows with the embed token it is given,
// takes a new token through POST /report/token, and raises loaded, rendered and error.

interface HpmRequest {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  body?: unknown;
  statusCode?: unknown;
}

interface HpmResponse {
  statusCode: number;
  body?: unknown;
}

interface ReportData {
  report: { id: string; name: string };
  expiration: string;
  identity?: { username: string; roles: string[] };
  columns: string[];
  rows: Record<string, string | number>[];
}

/** powerbi-models' IError, as the service sends it. */
interface EmbedError {
  message: string;
  detailedMessage: string;
  errorCode: string;
  level: number;
  technicalDetails?: Record<string, unknown>;
}

const TOKEN_TYPE_EMBED = 1;
const ERROR_LEVEL_FATAL = 6;
const query = new URLSearchParams(location.search);
const reportId = query.get('reportId') ?? '';
let uid = query.get('uid') ?? '';
let token: string | undefined;
let expiryTimer: ReturnType<typeof setTimeout> | undefined;
const counts = { loads: 0, tokenUpdates: 0 };
const root = document.getElementById('report') as HTMLElement;

function tokenExpired(): EmbedError {
  return { message: 'TokenExpired', detailedMessage: 'Access token has expired, resubmit with a new access token', errorCode: '403', level: ERROR_LEVEL_FATAL };
}

function setState(state: string): void {
  document.body.dataset.state = state;
  document.body.dataset.loads = String(counts.loads);
  document.body.dataset.tokenUpdates = String(counts.tokenUpdates);
}

function randomId(): string {
  return crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
}

function raise(event: string, body: unknown): void {
  window.parent.postMessage({ method: 'POST', url: `/reports/${uid}/events/${event}`, headers: { id: randomId() }, body }, '*');
}

async function fetchData(embedToken: string): Promise<ReportData | EmbedError> {
  const response = await fetch(`/_embed/reports/${encodeURIComponent(reportId)}/data`, { headers: { authorization: `EmbedToken ${embedToken}` } });
  if (response.ok) return (await response.json()) as ReportData;
  const problem = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (problem.error?.code === 'TokenExpired') return tokenExpired();
  return {
    message: problem.error?.code === 'PowerBINotAuthorizedException' ? 'PowerBINotAuthorizedException' : 'LoadReportFailed',
    detailedMessage: problem.error?.message ?? `The report could not be loaded (${response.status}).`,
    errorCode: String(response.status),
    level: ERROR_LEVEL_FATAL,
  };
}

function isError(value: ReportData | EmbedError): value is EmbedError {
  return 'errorCode' in value;
}

function cell(tag: string, text: string, className?: string): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}

function render(data: ReportData): void {
  root.replaceChildren();
  root.append(cell('h1', data.report.name));
  const who = data.identity ? `Rows for ${data.identity.username} (${data.identity.roles.join(', ') || 'no role'})` : 'No row-level security';
  root.append(cell('p', `${who} - ${data.rows.length} rows`, 'sub'));
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const column of data.columns) head.append(cell('th', column));
  table.append(head);
  const numbers = data.rows.flatMap((row) => Object.values(row).filter((v): v is number => typeof v === 'number'));
  const max = Math.max(1, ...numbers);
  for (const row of data.rows) {
    const tr = document.createElement('tr');
    tr.dataset.row = '';
    for (const column of data.columns) {
      const value = row[column];
      if (typeof value === 'number') {
        const td = cell('td', value.toLocaleString('en-US'), 'num');
        const bar = cell('span', '', 'bar');
        bar.style.width = `${Math.round((value / max) * 8)}rem`;
        td.prepend(bar, document.createTextNode(' '));
        tr.append(td);
      } else {
        tr.append(cell('td', String(value ?? '')));
      }
    }
    table.append(tr);
  }
  root.append(table);
}

function showError(error: EmbedError): void {
  root.replaceChildren(cell('p', `${error.message}: ${error.detailedMessage}`, 'status'));
}

function watchExpiry(expiration: string): void {
  if (expiryTimer) clearTimeout(expiryTimer);
  const remaining = Date.parse(expiration) - Date.now();
  expiryTimer = setTimeout(() => {
    token = undefined;
    showError(tokenExpired());
    setState('expired');
    raise('error', tokenExpired());
  }, Math.max(0, remaining));
}

async function load(config: { accessToken?: unknown; tokenType?: unknown; id?: unknown }): Promise<void> {
  counts.loads += 1;
  setState('loading');
  const result = typeof config.accessToken === 'string' ? await fetchData(config.accessToken) : tokenExpired();
  if (isError(result)) {
    showError(result);
    setState('error');
    raise('error', result);
    return;
  }
  token = config.accessToken as string;
  watchExpiry(result.expiration);
  raise('loaded', null);
  render(result);
  setState('rendered');
  raise('rendered', null);
}

async function handle(request: HpmRequest): Promise<HpmResponse> {
  const method = (request.method ?? '').toUpperCase();
  const url = request.url ?? '';
  if (typeof request.headers?.uid === 'string') uid = request.headers.uid;
  if (method === 'POST' && (url === '/report/load' || url === '/report/prepare')) {
    const config = (request.body ?? {}) as { accessToken?: unknown; tokenType?: unknown; id?: unknown };
    if (config.tokenType !== undefined && config.tokenType !== TOKEN_TYPE_EMBED) {
      return { statusCode: 400, body: { message: 'Invalid parameters', detailedMessage: 'The local emulator accepts embed tokens only (tokenType: Embed).', errorCode: '400', level: ERROR_LEVEL_FATAL } };
    }
    if (typeof config.id === 'string' && config.id.toLowerCase() !== reportId.toLowerCase()) {
      return { statusCode: 400, body: { message: 'Invalid parameters', detailedMessage: 'The report id does not match the embed URL.', errorCode: '400', level: ERROR_LEVEL_FATAL } };
    }
    // Accepted now; the outcome comes as the loaded/rendered or error event, as the service does it.
    void load(config);
    return { statusCode: 202, body: null };
  }
  if (method === 'POST' && url === '/report/token') {
    if (typeof request.body !== 'string' || !request.body) return { statusCode: 400, body: tokenExpired() };
    const result = await fetchData(request.body);
    if (isError(result)) return { statusCode: 403, body: result };
    token = request.body;
    counts.tokenUpdates += 1;
    watchExpiry(result.expiration);
    render(result);
    setState('rendered');
    return { statusCode: 202, body: null };
  }
  if (method === 'GET' && url === '/report/pages') {
    return token ? { statusCode: 200, body: [{ name: 'ReportSection', displayName: 'Page 1', isActive: true, visibility: 0 }] } : { statusCode: 403, body: tokenExpired() };
  }
  return { statusCode: 404, body: { message: 'NotSupported', detailedMessage: `${method} ${url} is not served by the local emulator.`, errorCode: '404', level: ERROR_LEVEL_FATAL } };
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window.parent) return;
  const request = event.data as HpmRequest;
  // Answers to the events this page raised carry a statusCode: nothing to do with them.
  if (!request || typeof request !== 'object' || typeof request.statusCode === 'number' || typeof request.url !== 'string') return;
  const id = request.headers?.id;
  void handle(request).then((response) => {
    window.parent.postMessage({ ...response, headers: { id } }, event.origin === 'null' ? '*' : event.origin);
  });
});
setState('loading');
