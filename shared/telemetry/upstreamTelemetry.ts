import type { UpstreamCall, UpstreamCallObserver } from '../credentials/msalNetworkClient';
import type { ObservedResponse } from '../upstream/responseRecorder';
import { TELEMETRY_EVENTS, TELEMETRY_METRICS, type DependencyRecord, type Telemetry, type UpstreamTarget } from './telemetry';

// Turns what the network clients saw (msal's network client, the Power BI client, the Azure SDK
// pipeline recorder) into dependency records, retry counts and throttling events. Only a host,
// a path without query string, a status and ids: nothing a request or an answer carried.

const GUID_SEGMENT = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi;
const THROTTLED = new Set([429, 503]);

/** A low-cardinality operation name: ids become placeholders, Entra's tenant segment too. */
export function operationName(target: UpstreamTarget, method: string, path: string): string {
  let template = path.replace(GUID_SEGMENT, '/{id}');
  if (target === 'entra') template = template.replace(/^\/[^/]+(?=\/)/, '/{tenant}');
  if (target === 'key-vault') template = template.replace(/^\/(secrets|certificates)\/([^/]+)\/[^/]+$/, '/$1/$2/{version}').replace(/\/+$/, '');
  return `${method.toUpperCase()} ${template || '/'}`;
}

/** Entra 2xx and 4xx answers both arrive as a 200 or 400; a 401 without credentials is Key Vault's challenge, a normal first step. */
function succeeded(status: number | undefined, error: string | undefined, challenge: boolean): boolean {
  if (error !== undefined || status === undefined) return false;
  return status < 400 || challenge;
}

function report(telemetry: Telemetry, record: DependencyRecord, retryAfter: string | undefined): void {
  telemetry.dependency(record);
  if (record.attempt > 1) telemetry.metric(TELEMETRY_METRICS.upstreamRetries, 1, { target: record.target });
  if (record.status !== undefined && THROTTLED.has(record.status)) {
    telemetry.event(TELEMETRY_EVENTS.upstreamThrottled, { target: record.target, operation: record.operation, status: String(record.status), retryAfter: retryAfter ?? 'none' });
  }
}

function pathOf(path: string): string {
  const query = path.search(/[?#]/);
  return query === -1 ? path : path.slice(0, query);
}

/** For msal's network client and the Power BI client, whose calls name their own target. */
export function upstreamCallReporter(telemetry: Telemetry, hosts: Partial<Record<UpstreamTarget, string>>, also?: UpstreamCallObserver): UpstreamCallObserver {
  return (call: UpstreamCall) => {
    also?.(call);
    const target = call.target as UpstreamTarget;
    const path = pathOf(call.path);
    report(
      telemetry,
      {
        target,
        host: hosts[target] ?? 'unknown',
        method: call.method.toUpperCase(),
        operation: operationName(target, call.method, path),
        path,
        durationMs: call.durationMs,
        status: call.status,
        success: succeeded(call.status, call.error, false),
        attempt: call.attempt ?? 1,
        ...(call.requestId ? { requestId: call.requestId } : {}),
        ...(call.error ? { error: call.error } : {}),
      },
      call.retryAfter,
    );
  };
}

/** For the Azure SDK pipeline (Key Vault, the managed identity), through ResponseRecorder. */
export function sdkResponseReporter(telemetry: Telemetry, target: UpstreamTarget): (response: ObservedResponse) => void {
  return (response) => {
    let host = 'unknown';
    let path = '/';
    try {
      const url = new URL(response.url);
      host = url.host;
      path = url.pathname;
    } catch {
      // an SDK never sends a request without a valid URL; keep the placeholders if one did
    }
    report(
      telemetry,
      {
        target,
        host,
        method: response.method.toUpperCase(),
        operation: operationName(target, response.method, path),
        path,
        durationMs: response.durationMs,
        status: response.status,
        success: succeeded(response.status, response.error, target === 'key-vault' && response.status === 401 && !response.authenticated),
        attempt: response.attempt,
        ...(response.requestId ? { requestId: response.requestId } : {}),
        ...(response.error ? { error: response.error } : {}),
      },
      response.retryAfterMs === undefined ? undefined : String(Math.ceil(response.retryAfterMs / 1000)),
    );
  };
}
