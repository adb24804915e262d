import type { Broker } from '../../shared/app/broker';
import { parseEmbedRequest } from '../../shared/embed/embedRequest';
import { callerOf } from './callerOf';
import { readJsonBody } from './readJsonBody';
import { json, withProblemDetails, type Handler } from './respond';

// POST /api/embed: one multi-resource token for the reports and datasets the body names. The
// body says which catalog items and what access; the policy decides whether, and with which identity.
export function createEmbedItemsHandler(broker: () => Broker): Handler {
  return withProblemDetails(async (request, context) => {
    const deadline = broker().deadlineFromNow();
    const caller = await callerOf(broker(), request, deadline);
    const body = parseEmbedRequest(await readJsonBody(request));
    const outcome = await broker().embed(caller, body, deadline);
    context.info(`embed reports=${outcome.config.reports.length} datasets=${outcome.config.datasets.length} rules=${outcome.rules.join(',')} rls=${outcome.identityApplied} tokenId=${outcome.config.tokenId}`);
    return json(200, outcome.config);
  });
}
