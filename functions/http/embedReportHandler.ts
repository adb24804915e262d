import type { Broker } from '../../shared/app/broker';
import { embedHandler } from './embedHandler';
import type { Handler } from './respond';

// GET /api/embed/reports/{key}: who is calling, then the embed config for that caller. The
// query string, body and any identity headers the client sends are never read.
export function createEmbedReportHandler(broker: () => Broker): Handler {
  return embedHandler(broker, async (caller, request, deadline) => {
    const outcome = await broker().embedReport(caller, request.params.key ?? '', deadline);
    return { config: outcome.config, summary: `report=${outcome.config.id} rule=${outcome.rule} rls=${outcome.identityApplied} tokenId=${outcome.config.tokenId}` };
  });
}
