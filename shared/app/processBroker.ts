import { loadConfigFromEnvironment } from '../config/environment';
import { createBroker, type Broker } from './broker';

// One broker per process, built when the function app loads: a bad configuration fails the
// load with the full list of problems instead of failing each request.

let instance: Broker | undefined;

export function processBroker(): Broker {
  if (instance) return instance;
  const config = loadConfigFromEnvironment();
  for (const warning of config.warnings) console.warn(`[powerbi-embed-broker] warning: ${warning}`);
  instance = createBroker(config, {
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
