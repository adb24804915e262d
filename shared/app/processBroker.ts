import { loadConfigFromEnvironment } from '../config/environment';
import { createBroker, type Broker } from './broker';
import type { BrokerConfig } from '../config/config';
import type { TokenCredential } from '@azure/identity';
import type { Telemetry } from '../telemetry/telemetry';

// One broker per process, built when the function app loads: a bad configuration fails the
// load with the full list of problems instead of failing each request.

let instance: Broker | undefined;

export function processBroker(): Broker {
  if (instance) return instance;
  // Node loads its fetch implementation (undici) on first use, which would be inside the first
  // request: the Functions library builds every request object with it, and the Power BI and
  // issuer calls use it. Loading it with the app keeps that work off the first requests' path.
  void globalThis.Headers;
  const config = loadConfigFromEnvironment();
  for (const warning of config.warnings) console.warn(`[powerbi-embed-broker] warning: ${warning}`);
  instance = createBroker(config, {
    ...(config.telemetry.connectionString ? { telemetry: appInsights(config) } : {}),
    onWarning: (message) => console.warn(`[powerbi-embed-broker] ${message}`),
    observe: (call) => {
      if (call.error || (call.status !== undefined && call.status >= 400)) {
        console.warn(`[powerbi-embed-broker] ${call.target} ${call.method} ${call.path} -> ${call.status ?? call.error} in ${call.durationMs} ms${call.requestId ? ` (RequestId ${call.requestId})` : ''}`);
      }
    },
  });
  // In the background: the load is never held up or failed by it.
  if (config.prewarm) instance.prewarm().catch(() => undefined);
  return instance;
}

/** The App Insights adapter, required only now: without a connection string its package is never loaded. */
function appInsights(config: BrokerConfig): (identity: TokenCredential) => Telemetry {
  return (identity) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading it is the cost being avoided
    const { startAppInsightsTelemetry } = require('../telemetry/appInsightsTelemetry') as typeof import('../telemetry/appInsightsTelemetry');
    return startAppInsightsTelemetry({ connectionString: config.telemetry.connectionString as string, ...(config.telemetry.entraAuthentication ? { credential: identity } : {}) });
  };
}
