import type { Broker } from '../../shared/app/broker';
import { json, withProblemDetails, type Handler } from './respond';

// GET /api/health/ready: the configuration loaded and a service-principal token can be had.
export function createReadinessHandler(broker: () => Broker): Handler {
  return withProblemDetails(async () => {
    const report = await broker().readiness();
    return json(report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not-ready', checks: report.checks });
  });
}
