import type { Broker } from '../../shared/app/broker';
import { embedHandler } from './embedHandler';
import type { Handler } from './respond';

// GET /api/embed/dashboards/{key} and /api/embed/dashboards/{key}/tiles/{tileId}: V1 tokens,
// one dashboard or tile each, view only.
export function createEmbedDashboardHandler(broker: () => Broker): Handler {
  return embedHandler(broker, async (caller, request, deadline) => {
    const outcome = await broker().embedDashboard(caller, request.params.key ?? '', deadline);
    return { config: outcome.config, summary: `dashboard=${outcome.config.id} rule=${outcome.rule} rls=${outcome.identityApplied} tokenId=${outcome.config.tokenId}` };
  });
}

export function createEmbedTileHandler(broker: () => Broker): Handler {
  return embedHandler(broker, async (caller, request, deadline) => {
    const outcome = await broker().embedTile(caller, request.params.key ?? '', request.params.tileId ?? '', deadline);
    const { config } = outcome;
    return { config, summary: `tile=${config.id} dashboard=${config.dashboardId} rule=${outcome.rule} rls=${outcome.identityApplied} tokenId=${config.tokenId}` };
  });
}
