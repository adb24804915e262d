import { resolve } from 'node:path';
import { functionLogFilter, readRoutePrefix } from './hostJson';
import { loadFunctionApp } from './loadFunctionApp';
import { startLocalHost } from './localHost';
import { mergeSettings, readLocalSettings } from './localSettings';
import { openTelemetryRequestTracer } from './requestTracer';

// `node dist/dev/host/main.js [appDir]`: runs the built function app on PORT (default 7071)
// without Azure Functions Core Tools. Settings come from the environment and local.settings.json.
// appDir defaults to this repository; the deployment package (dist/package) runs the same way.

const appDir = resolve(process.argv[2] ?? resolve(__dirname, '..', '..', '..'));

async function main(): Promise<void> {
  process.env = mergeSettings(process.env, readLocalSettings(appDir));
  const core = loadFunctionApp(appDir);
  const port = Number(process.env.PORT ?? 7071);
  const host = await startLocalHost({
    functions: core.functions,
    hooks: core.hooks,
    routePrefix: readRoutePrefix(appDir),
    // As in Azure: host.json's log levels decide which of the functions' logs are written.
    keepFunctionLog: functionLogFilter(appDir),
    port,
    // As the Functions host does when the app has Application Insights: each invocation's request is recorded.
    ...(process.env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim() ? { tracer: openTelemetryRequestTracer() } : {}),
  });
  console.log(`Functions host listening on ${host.url}`);
  const prefix = readRoutePrefix(appDir);
  for (const fn of core.functions) {
    const methods = (fn.trigger.methods ?? ['GET', 'POST']).join(',');
    console.log(`  ${fn.name}: [${methods}] ${host.url}/${prefix ? `${prefix}/` : ''}${fn.trigger.route ?? fn.name}`);
  }
  for (const name of core.skipped) console.log(`  ${name}: not an HTTP trigger, not served by the local host`);
  const stop = () => void host.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // Start-up errors (such as invalid settings) are meant to be read: print the message, not a stack.
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
