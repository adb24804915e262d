// The telemetry port: what the domain reports about upstream calls, issued tokens and denials.
// shared/ depends only on this interface; the App Insights adapter is wired in the composition
// root when a connection string is set, and NO_TELEMETRY stands in otherwise.

export type UpstreamTarget = 'entra' | 'powerbi' | 'key-vault' | 'managed-identity';

export interface DependencyRecord {
  target: UpstreamTarget;
  /** Host of the upstream (no path, no query). */
  host: string;
  method: string;
  /** Low-cardinality name, ids replaced by placeholders: `POST /v1.0/myorg/GenerateToken`. */
  operation: string;
  /** The request path with its ids (never a query string). */
  path: string;
  durationMs: number;
  status: number | undefined;
  success: boolean;
  /** 1 for the first try of a call, 2 for its first retry, and so on. */
  attempt: number;
  /** Power BI's `RequestId`, or the `x-ms-request-id` of Entra and Key Vault. */
  requestId?: string;
  /** What went wrong without an answer: `timeout`, `network`, an error name. */
  error?: string;
}

export const TELEMETRY_EVENTS = {
  embedTokenIssued: 'EmbedTokenIssued',
  servicePrincipalTokenRenewed: 'ServicePrincipalTokenRenewed',
  credentialReread: 'CredentialReread',
  policyDenied: 'PolicyDenied',
  upstreamThrottled: 'UpstreamThrottled',
} as const;
export type TelemetryEventName = (typeof TELEMETRY_EVENTS)[keyof typeof TELEMETRY_EVENTS];

export const TELEMETRY_METRICS = {
  embedTokenCacheHits: 'EmbedTokenCacheHits',
  embedTokenCacheMisses: 'EmbedTokenCacheMisses',
  upstreamRetries: 'UpstreamRetries',
  embedTokenLifetimeMinutes: 'EmbedTokenLifetimeMinutes',
} as const;
export type TelemetryMetricName = (typeof TELEMETRY_METRICS)[keyof typeof TELEMETRY_METRICS];

export type TelemetryProperties = Record<string, string>;
export type TelemetryMeasurements = Record<string, number>;

export interface Telemetry {
  dependency(record: DependencyRecord): void;
  event(name: TelemetryEventName, properties: TelemetryProperties, measurements?: TelemetryMeasurements): void;
  metric(name: TelemetryMetricName, value: number, properties?: TelemetryProperties): void;
}

export const NO_TELEMETRY: Telemetry = {
  dependency: () => undefined,
  event: () => undefined,
  metric: () => undefined,
};
