import type { Broker } from '../../shared/app/broker';
import { callerOf } from './callerOf';
import { json, withProblemDetails, type Handler } from './respond';

// GET /api/embed/dashboards/{key} and /api/embed/dashboards/{key}/tiles/{tileId}: V1 tokens,
// one dashboard or tile each, view only.
export function createEmbedDashboardHandler(broker: () => Broker): Handler {
  return withProblemDetails(async (request, context) => {
    const deadline = broker().deadlineFromNow();
    const caller = await callerOf(broker(), request, deadline);
    const outcome = await broker().embedDashboard(caller, request.params.key ?? '', deadline);
    context.info(`embed dashboard=${outcome.config.id} rule=${outcome.rule} rls=${outcome.identityApplied} tokenId=${outcome.config.tokenId}`);
    return json(200, outcome.config);
  });
}

export function createEmbedTileHandler(broker: () => Broker): Handler {
  return withProblemDetails(async (request, context) => {
    const deadline = broker().deadlineFromNow();
    const caller = await callerOf(broker(), request, deadline);
    const outcome = await broker().embedTile(caller, request.params.key ?? '', request.params.tileId ?? '', deadline);
    context.info(`embed tile=${outcome.config.id} dashboard=${outcome.config.dashboardId} rule=${outcome.rule} rls=${outcome.identityApplied} tokenId=${outcome.config.tokenId}`);
    return json(200, outcome.config);
  });
}
