import type { UpstreamCall } from '../../../shared/credentials/msalNetworkClient';
import { BrokerError } from '../../../shared/errors/brokerError';
import { PowerBiClient, type PowerBiClientOptions } from '../../../shared/powerbi/powerBiClient';
import { DEFAULT_RETRY_POLICY } from '../../../shared/powerbi/retryPolicy';

// The Power BI REST client with a fake fetch, a fake clock and a fake sleep: retries and their
// waits are asserted through the sleep calls, never through wall time.

const API = 'https://api.powerbi.test';
const WORKSPACE = '5a1e5000-0000-4000-8000-000000000001';
const REPORT = '5a1e5000-0000-4000-8000-0000000000a1';
const DATASET = '5a1e5000-0000-4000-8000-0000000000d1';
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJwb3dlcmJpIn0.c2lnbmF0dXJlLW9mLXRoZS1zZXJ2aWNlLXByaW5jaXBhbA';
const T0 = 1_800_000_000_000;

const REPORT_BODY = { id: REPORT, name: 'Sales', datasetId: DATASET, embedUrl: `https://app.powerbi.test/reportEmbed?reportId=${REPORT}`, reportType: 'PowerBIReport' };

type Answer = Response | Error | ((init: RequestInit | undefined) => Promise<Response>);

function harness(answers: Answer[], overrides: Partial<PowerBiClientOptions> = {}) {
  let now = T0;
  const queue = [...answers];
  const sent: { url: string; init: RequestInit | undefined }[] = [];
  const sleeps: number[] = [];
  const calls: UpstreamCall[] = [];
  const client = new PowerBiClient({
    apiUrl: `${API}/`,
    getAccessToken: async () => ACCESS_TOKEN,
    fetch: async (url, init) => {
      sent.push({ url, init });
      const answer = queue.shift();
      if (answer === undefined) throw new Error('the test gave no answer for this call');
      if (answer instanceof Error) throw answer;
      if (typeof answer === 'function') return answer(init);
      return answer;
    },
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    callTimeoutMs: 8_000,
    deadlineMs: 20_000,
    observe: (call) => calls.push(call),
    ...overrides,
  });
  return { client, sent, sleeps, calls };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

async function brokerFailure(promise: Promise<unknown>): Promise<BrokerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error('expected a BrokerError');
}

/** Everything of an error a log line or a problem body could show. */
function visible(error: BrokerError): string {
  const cause = error.cause instanceof Error ? `${error.cause.name} ${error.cause.message}` : String(error.cause ?? '');
  return `${error.message} ${JSON.stringify(error.extensions)} ${JSON.stringify(error.headers)} ${cause}`;
}

describe('PowerBiClient', () => {
  it('calls Get Report with the bearer token and returns the body', async () => {
    const h = harness([json(200, REPORT_BODY, { RequestId: 'rid-1' })]);
    await expect(h.client.getReport(WORKSPACE, REPORT)).resolves.toEqual(REPORT_BODY);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]?.url).toBe(`${API}/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT}`);
    expect(h.sent[0]?.init?.method).toBe('GET');
    expect(h.sent[0]?.init?.headers).toEqual({ authorization: `Bearer ${ACCESS_TOKEN}`, accept: 'application/json' });
    expect(h.sent[0]?.init?.body).toBeUndefined();
    expect(h.calls).toEqual([{ target: 'powerbi', method: 'GET', path: `/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT}`, status: 200, durationMs: 0, requestId: 'rid-1', attempt: 1 }]);
  });

  it('posts GenerateToken as JSON', async () => {
    const token = { token: 'embed-token', tokenId: '0f0e0d0c-0000-4000-8000-000000000001', expiration: '2027-01-15T10:00:00Z' };
    const h = harness([json(200, token)]);
    const request = { datasets: [{ id: DATASET }], reports: [{ id: REPORT, allowEdit: false }] };
    await expect(h.client.generateToken(request)).resolves.toEqual(token);
    expect(h.sent[0]?.url).toBe(`${API}/v1.0/myorg/GenerateToken`);
    expect(h.sent[0]?.init).toMatchObject({ method: 'POST', body: JSON.stringify(request), headers: { 'content-type': 'application/json', authorization: `Bearer ${ACCESS_TOKEN}` } });
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    const h = harness([json(429, { error: { code: 'TooManyRequests' } }, { 'Retry-After': '1' }), json(200, REPORT_BODY)]);
    await expect(h.client.getReport(WORKSPACE, REPORT)).resolves.toEqual(REPORT_BODY);
    expect(h.sleeps).toEqual([1000]);
    expect(h.sent).toHaveLength(2);
  });

  it('retries a 503 too', async () => {
    const h = harness([json(503, {}), json(200, REPORT_BODY)]);
    await expect(h.client.getReport(WORKSPACE, REPORT)).resolves.toEqual(REPORT_BODY);
    expect(h.sleeps).toEqual([DEFAULT_RETRY_POLICY.baseDelayMs]);
  });

  it('does not retry a 500: upstream_error with the RequestId and the Power BI error code', async () => {
    const h = harness([json(500, { error: { code: 'InternalServerError', message: `failed for ${ACCESS_TOKEN}` } }, { RequestId: '7c2a0000-0000-4000-8000-000000000abc' })]);
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_error');
    expect(error.status).toBe(502);
    expect(error.extensions).toEqual({ upstream: 'powerbi', upstreamRequestId: '7c2a0000-0000-4000-8000-000000000abc', upstreamStatus: 500, upstreamCode: 'InternalServerError' });
    expect(error.message).toContain('500 InternalServerError');
    expect(h.sent).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('maps a 403 to upstream_refused with the code (e.g. a principal that is not a workspace member)', async () => {
    const h = harness([json(403, { error: { code: 'PowerBINotAuthorizedException' } }, { RequestId: 'rid-403' })]);
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_refused');
    expect(error.extensions).toMatchObject({ upstreamCode: 'PowerBINotAuthorizedException', upstreamRequestId: 'rid-403', upstreamStatus: 403 });
  });

  it.each([
    ['free text', 'Dataset has RLS; user alice@contoso.example has no role'],
    ['a number', 42],
    ['an over-long identifier', 'X'.repeat(101)],
  ])('does not echo an error code that is %s', async (_name, code) => {
    const h = harness([json(400, { error: { code } })]);
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_refused');
    expect(error.extensions.upstreamCode).toBeUndefined();
    expect(visible(error)).not.toContain('alice@contoso.example');
    expect(error.message).toBe('Power BI refused the request (400).');
  });

  it('reads an error body that is not JSON without failing', async () => {
    const h = harness([new Response('<html>Bad Request</html>', { status: 400 })]);
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_refused');
    expect(error.extensions.upstreamCode).toBeUndefined();
  });

  it('gives up on a persistent 429 with upstream_unavailable and the last Retry-After', async () => {
    const h = harness(Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts }, () => json(429, {}, { 'Retry-After': '2', RequestId: 'rid-429' })));
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(2);
    expect(error.extensions).toEqual({ upstream: 'powerbi', upstreamRequestId: 'rid-429', upstreamStatus: 429 });
    expect(h.sent).toHaveLength(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(h.sleeps).toEqual(Array(DEFAULT_RETRY_POLICY.maxAttempts - 1).fill(2000));
  });

  it('gives up at once, without sleeping, when Retry-After reaches past the deadline', async () => {
    const h = harness([json(429, {}, { 'Retry-After': '30' }), json(200, REPORT_BODY)]);
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.retryAfterSeconds).toBe(30);
    expect(h.sleeps).toEqual([]);
    expect(h.sent).toHaveLength(1);
  });

  it('stops retrying when the deadline is used up by the waits', async () => {
    const h = harness(Array.from({ length: 4 }, () => json(429, {}, { 'Retry-After': '7' })));
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_unavailable');
    // 20 s deadline: waits end at 7 s and 14 s; a third would end at 21 s, so the third answer is final.
    expect(h.sleeps).toEqual([7000, 7000]);
    expect(h.sent).toHaveLength(3);
  });

  it('backs off and retries after a network error, then succeeds', async () => {
    const h = harness([new TypeError('fetch failed'), json(200, REPORT_BODY)]);
    await expect(h.client.getReport(WORKSPACE, REPORT)).resolves.toEqual(REPORT_BODY);
    expect(h.sleeps).toEqual([DEFAULT_RETRY_POLICY.baseDelayMs]);
    expect(h.calls.map((c) => c.error ?? c.status)).toEqual(['network', 200]);
  });

  it('gives up on a persistent network error with upstream_unavailable after exponential waits', async () => {
    const h = harness(Array.from({ length: DEFAULT_RETRY_POLICY.maxAttempts }, () => new TypeError('fetch failed')));
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.extensions).toEqual({ upstream: 'powerbi' });
    expect(h.sleeps).toEqual([250, 500, 1000]);
  });

  it('answers upstream_timeout when a call outlasts its timeout, without retrying it', async () => {
    const hang = (init: RequestInit | undefined) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })));
      });
    const h = harness([hang, json(200, REPORT_BODY)], { callTimeoutMs: 20 });
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_timeout');
    expect(error.status).toBe(504);
    expect(h.sent).toHaveLength(1);
    expect(h.calls).toEqual([expect.objectContaining({ status: undefined, error: 'timeout' })]);
  });

  it('gives each call no more time than is left before the deadline', async () => {
    let seenSignal: AbortSignal | undefined;
    const h = harness(
      [
        json(429, {}, { 'Retry-After': '19.99' }),
        async (init) => {
          seenSignal = init?.signal ?? undefined;
          return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' }))));
        },
      ],
      { callTimeoutMs: 60_000 },
    );
    // After sleeping 19.99 s of a 20 s deadline, the second call has 10 ms: it must time out quickly.
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_timeout');
    expect(seenSignal?.aborted).toBe(true);
  });

  it('refuses an id that is not a GUID before any call', async () => {
    const h = harness([json(200, REPORT_BODY)]);
    for (const [workspace, report] of [
      ['not-a-guid', REPORT],
      [WORKSPACE, `${REPORT}/../../admin`],
      [WORKSPACE, `${REPORT}?$expand=users`],
      [`${WORKSPACE} `, REPORT],
    ] as const) {
      const error = await brokerFailure(Promise.resolve().then(() => h.client.getReport(workspace, report)));
      expect(error.code).toBe('upstream_invalid_response');
    }
    await expect(brokerFailure(Promise.resolve().then(() => h.client.getDataset(WORKSPACE, 'x')))).resolves.toBeInstanceOf(BrokerError);
    expect(h.sent).toHaveLength(0);
  });

  it('answers upstream_invalid_response for a success body that is not JSON', async () => {
    const h = harness([new Response('<html>ok</html>', { status: 200, headers: { RequestId: 'rid-html' } })]);
    const error = await brokerFailure(h.client.getReport(WORKSPACE, REPORT));
    expect(error.code).toBe('upstream_invalid_response');
    expect(error.extensions).toEqual({ upstream: 'powerbi', upstreamRequestId: 'rid-html' });
  });

  it('passes a BrokerError from the token provider through without retrying', async () => {
    const refused = new BrokerError('upstream_refused', 'Entra refused the service principal.');
    const h = harness([json(200, REPORT_BODY)], { getAccessToken: () => Promise.reject(refused) });
    await expect(h.client.getReport(WORKSPACE, REPORT)).rejects.toBe(refused);
    expect(h.sent).toHaveLength(0);
  });

  it('never puts the access token in an error, whatever the failure', async () => {
    const failures: Answer[][] = [
      [json(401, { error: { code: 'TokenExpired', message: `token ${ACCESS_TOKEN}` } })],
      [json(500, { error: { code: 'InternalServerError', message: `Authorization: Bearer ${ACCESS_TOKEN}` } })],
      Array.from({ length: 4 }, () => json(429, { token: ACCESS_TOKEN }, { 'Retry-After': '1' })),
      Array.from({ length: 4 }, () => new TypeError(`connect failed`)),
    ];
    for (const answers of failures) {
      const error = await brokerFailure(harness(answers).client.getReport(WORKSPACE, REPORT));
      expect(visible(error)).not.toContain(ACCESS_TOKEN);
      expect(visible(error)).not.toContain('eyJ');
    }
  });
});

describe('PowerBiClient deadline', () => {
  it('keeps retries of slow failing calls within one deadline', async () => {
    let now = T0;
    let attempts = 0;
    const client = new PowerBiClient({
      apiUrl: API,
      getAccessToken: async () => ACCESS_TOKEN,
      fetch: async () => {
        attempts += 1;
        now += 1_800;
        return json(503, { error: { code: 'ServiceUnavailable' } });
      },
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      callTimeoutMs: 2_000,
      deadlineMs: 5_000,
    });
    const error = await brokerFailure(client.generateToken({ datasets: [], reports: [{ id: REPORT }] }));
    expect(error.code).toBe('upstream_unavailable');
    expect(attempts).toBeLessThan(DEFAULT_RETRY_POLICY.maxAttempts);
  });

  it('makes no call once the request deadline has passed, and says it timed out', async () => {
    const { client, sent } = harness([json(200, REPORT_BODY)]);
    const error = await brokerFailure(client.getReport(WORKSPACE, REPORT, T0 - 1));
    expect(error.code).toBe('upstream_timeout');
    expect(sent).toHaveLength(0);
  });

  it('counts the wait for the access token against the request deadline', async () => {
    let now = T0;
    const { client, sent } = harness([json(200, REPORT_BODY)], {
      now: () => now,
      getAccessToken: async () => {
        now += 30_000;
        return ACCESS_TOKEN;
      },
    });
    const report = await client.getReport(WORKSPACE, REPORT, T0 + 40_000);
    expect(report.id).toBe(REPORT);
    expect(sent).toHaveLength(1);
  });
});

describe('PowerBiClient per-call options and the other item kinds', () => {
  const DASHBOARD = '5a1e5000-0000-4000-8000-0000000000b1';
  const TILE = '5a1e5000-0000-4000-8000-0000000000c1';
  const PROFILE = '5a1e5000-0000-4000-8000-0000000000e1';
  const dashboardBody = { id: DASHBOARD, displayName: 'Sales', embedUrl: `https://app.powerbi.test/dashboardEmbed?dashboardId=${DASHBOARD}` };
  const tileBody = { id: TILE, title: 'Sales by region', embedUrl: `https://app.powerbi.test/embed?dashboardId=${DASHBOARD}&tileId=${TILE}`, reportId: REPORT, datasetId: DATASET };

  it('sends X-PowerBI-Profile-Id when the call acts as a profile, and another principal token when asked', async () => {
    const h = harness([json(200, REPORT_BODY), json(200, REPORT_BODY)]);
    await h.client.getReport(WORKSPACE, REPORT, undefined, { profileId: PROFILE });
    expect(h.sent[0]?.init?.headers).toEqual({ authorization: `Bearer ${ACCESS_TOKEN}`, accept: 'application/json', 'x-powerbi-profile-id': PROFILE });
    await h.client.getReport(WORKSPACE, REPORT, undefined, { principal: { getAccessToken: async () => 'customer-token' } });
    expect(h.sent[1]?.init?.headers).toEqual({ authorization: 'Bearer customer-token', accept: 'application/json' });
  });

  it('refuses a profile id that is not a GUID before any call', async () => {
    const h = harness([]);
    await expect(h.client.getReport(WORKSPACE, REPORT, undefined, { profileId: 'x\r\nHost: evil' })).rejects.toMatchObject({ code: 'upstream_invalid_response' });
    expect(h.sent).toHaveLength(0);
  });

  it('drops the other principal token, not its own, when Power BI refuses it', async () => {
    let ownDropped = 0;
    let customerDropped = 0;
    const h = harness([json(401, { error: { code: 'TokenExpired' } }), json(200, REPORT_BODY)], { onTokenRejected: () => (ownDropped += 1) });
    await h.client.getReport(WORKSPACE, REPORT, undefined, { principal: { getAccessToken: async () => 'customer-token', onTokenRejected: () => (customerDropped += 1) } });
    expect({ ownDropped, customerDropped }).toEqual({ ownDropped: 0, customerDropped: 1 });
  });

  it('reads dashboards, tiles and data sources, and posts V1 tokens to the item path', async () => {
    const token = { token: 'embed-token', tokenId: '0f0e0d0c-0000-4000-8000-000000000001', expiration: '2027-01-15T10:00:00Z' };
    const sources = { value: [{ datasourceType: 'AnalysisServices', connectionDetails: { server: 'pbiazure://api.powerbi.com', database: `sobe_wowvirtualserver-${DATASET}` } }] };
    const h = harness([json(200, dashboardBody), json(200, { value: [tileBody] }), json(200, tileBody), json(200, sources), json(200, token), json(200, token)]);
    await expect(h.client.getDashboard(WORKSPACE, DASHBOARD)).resolves.toEqual(dashboardBody);
    await expect(h.client.getTiles(WORKSPACE, DASHBOARD)).resolves.toEqual([tileBody]);
    await expect(h.client.getTile(WORKSPACE, DASHBOARD, TILE)).resolves.toEqual(tileBody);
    await expect(h.client.getReportDatasources(WORKSPACE, REPORT)).resolves.toEqual([{ datasourceType: 'AnalysisServices', server: 'pbiazure://api.powerbi.com', database: `sobe_wowvirtualserver-${DATASET}` }]);
    await h.client.generateTokenV1({ kind: 'dashboard', workspaceId: WORKSPACE, dashboardId: DASHBOARD }, { accessLevel: 'View' });
    await h.client.generateTokenV1({ kind: 'tile', workspaceId: WORKSPACE, dashboardId: DASHBOARD, tileId: TILE }, { accessLevel: 'View' });
    expect(h.sent.map((s) => new URL(s.url).pathname)).toEqual([
      `/v1.0/myorg/groups/${WORKSPACE}/dashboards/${DASHBOARD}`,
      `/v1.0/myorg/groups/${WORKSPACE}/dashboards/${DASHBOARD}/tiles`,
      `/v1.0/myorg/groups/${WORKSPACE}/dashboards/${DASHBOARD}/tiles/${TILE}`,
      `/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT}/datasources`,
      `/v1.0/myorg/groups/${WORKSPACE}/dashboards/${DASHBOARD}/GenerateToken`,
      `/v1.0/myorg/groups/${WORKSPACE}/dashboards/${DASHBOARD}/tiles/${TILE}/GenerateToken`,
    ]);
  });

  it.each([
    ['a dashboard with an http embed URL', (c: PowerBiClient) => c.getDashboard(WORKSPACE, DASHBOARD), { ...dashboardBody, embedUrl: 'http://evil.test' }],
    ['another dashboard than asked', (c: PowerBiClient) => c.getDashboard(WORKSPACE, DASHBOARD), { ...dashboardBody, id: TILE }],
    ['a tile whose dataset is not a GUID', (c: PowerBiClient) => c.getTile(WORKSPACE, DASHBOARD, TILE), { ...tileBody, datasetId: '../x' }],
    ['a tile list without value', (c: PowerBiClient) => c.getTiles(WORKSPACE, DASHBOARD), [tileBody]],
    ['data sources that are not a list', (c: PowerBiClient) => c.getReportDatasources(WORKSPACE, REPORT), { value: 'x' }],
    ['a dataset whose upstream dataset is not a GUID', (c: PowerBiClient) => c.getDataset(WORKSPACE, DATASET), { id: DATASET, upstreamDatasets: [{ targetDatasetId: 'x' }] }],
  ])('answers upstream_invalid_response for %s', async (_name, call, body) => {
    const h = harness([json(200, body)]);
    await expect(call(h.client)).rejects.toMatchObject({ code: 'upstream_invalid_response' });
  });
});
