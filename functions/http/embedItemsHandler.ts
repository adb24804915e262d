import type { Broker } from '../../shared/app/broker';
import { parseEmbedRequest } from '../../shared/embed/embedRequest';
import { embedHandler } from './embedHandler';
import { readJsonBody } from './readJsonBody';
import type { Handler } from './respond';

// POST /api/embed: one multi-resource token for the reports and datasets the body names. The
// body says which catalog items and what access; the policy decides whether, and with which identity.
export function createEmbedItemsHandler(broker: () => Broker): Handler {
  return embedHandler(broker, async (caller, request, deadline) => {
    const outcome = await broker().embed(caller, parseEmbedRequest(await readJsonBody(request)), deadline);
    const { config } = outcome;
    return { config, summary: `reports=${config.reports.length} datasets=${config.datasets.length} rules=${outcome.rules.join(',')} rls=${outcome.identityApplied} tokenId=${config.tokenId}` };
  });
}
