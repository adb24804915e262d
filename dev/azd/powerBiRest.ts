// The few Power BI REST calls the hooks make, with a deadline and the service's error code and
// RequestId kept for the report. Tokens go in the Authorization header and nowhere else.

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface PowerBiAnswer {
  status: number;
  body: unknown;
  /** Power BI's own reason, e.g. `PowerBINotAuthorizedException`, from the body or `X-PowerBI-Error-Info`. */
  errorCode?: string;
  requestId?: string;
}

export async function callPowerBi(fetchImpl: FetchLike, url: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<PowerBiAnswer> {
  const res = await fetchImpl(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  const errorCode = typeof code === 'string' ? code : (res.headers.get('x-powerbi-error-info') ?? undefined);
  const requestId = res.headers.get('requestid') ?? undefined;
  return { status: res.status, body, ...(errorCode ? { errorCode } : {}), ...(requestId ? { requestId } : {}) };
}

export function describeAnswer(answer: PowerBiAnswer): string {
  return `HTTP ${answer.status}${answer.errorCode ? ` ${answer.errorCode}` : ''}${answer.requestId ? `, RequestId ${answer.requestId}` : ''}`;
}
