import type { TokenCredential } from '@azure/identity';
import type * as AppInsights from 'applicationinsights';
import { redact } from './redact';
import type { DependencyRecord, Telemetry, TelemetryEventName, TelemetryMeasurements, TelemetryMetricName, TelemetryProperties } from './telemetry';

// The Application Insights adapter of the telemetry port (applicationinsights v3, OpenTelemetry
// underneath). Loaded with a plain require only when a connection string is set: the package
// costs about a second of cold start. Each item joins the invocation's trace: the SDK's
// preInvocation hook makes the Functions host's trace context the active one.
//
// Only our own records describe upstream calls: HTTP and Azure SDK auto-instrumentation are off
// (they would record the same calls twice, and msal's fetch not at all), and requests are the
// Functions host's to record. Every string the SDK exports also passes redact().

export interface AppInsightsOptions {
  connectionString: string;
  /** Entra-authenticated ingestion: the exporter (and live metrics) get tokens from this credential. */
  credential?: TokenCredential;
}

export interface AppInsightsTelemetry extends Telemetry {
  flush(): Promise<void>;
}

interface Attributes {
  [name: string]: unknown;
}

function redactAttributes(attributes: Attributes | undefined): void {
  if (!attributes) return;
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'string') attributes[name] = redact(value);
    else if (Array.isArray(value)) attributes[name] = value.map((v: unknown) => (typeof v === 'string' ? redact(v) : v));
  }
}

/** Last line of defence on spans (requests, dependencies, exception events) before export. */
export const redactingSpanProcessor = {
  onStart: () => undefined,
  onEnd(span: { attributes?: Attributes; events?: { attributes?: Attributes }[]; status?: { message?: string } }) {
    redactAttributes(span.attributes);
    for (const event of span.events ?? []) redactAttributes(event.attributes);
    if (span.status?.message) span.status.message = redact(span.status.message);
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** The same for log records: traces, custom events, exceptions. */
export const redactingLogProcessor = {
  onEmit(record: { body?: unknown; attributes?: Attributes }) {
    if (typeof record.body === 'string') record.body = redact(record.body);
    redactAttributes(record.attributes);
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

export function startAppInsightsTelemetry(options: AppInsightsOptions): AppInsightsTelemetry {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when telemetry is on
  const sdk = require('applicationinsights') as typeof AppInsights;
  const client = new sdk.TelemetryClient(options.connectionString);
  if (options.credential) client.config.aadTokenCredential = options.credential;
  client.config.enableAutoCollectDependencies = false;
  client.config.enableAutoCollectRequests = false;
  client.config.enableAutoCollectConsole = false;
  client.config.enableAutoCollectExternalLoggers = false;
  client.config.azureMonitorOpenTelemetryOptions = {
    instrumentationOptions: {
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
    spanProcessors: [redactingSpanProcessor as never],
    logRecordProcessors: [redactingLogProcessor as never],
  };
  client.initialize();

  return {
    dependency(record: DependencyRecord) {
      client.trackDependency({
        name: record.operation,
        target: record.host,
        dependencyTypeName: 'HTTP',
        duration: record.durationMs,
        resultCode: record.status ?? 0,
        success: record.success,
        properties: {
          // The exporter reads these semantic-convention attributes to make an HTTP dependency with a result code.
          'http.method': record.method,
          'http.status_code': record.status ?? 0,
          upstream: record.target,
          path: record.path,
          attempt: String(record.attempt),
          ...(record.requestId ? { requestId: record.requestId } : {}),
          ...(record.error ? { error: record.error } : {}),
        },
      });
    },
    event(name: TelemetryEventName, properties: TelemetryProperties, measurements?: TelemetryMeasurements) {
      client.trackEvent({ name, properties, ...(measurements ? { measurements } : {}) });
    },
    metric(name: TelemetryMetricName, value: number, properties?: TelemetryProperties) {
      client.trackMetric({ name, value, ...(properties ? { properties } : {}) });
    },
    flush: () => client.flush(),
  };
}
