import type { Broker } from '../../shared/app/broker';
import { callerOf } from './callerOf';
import { json, withProblemDetails, type Handler } from './respond';

// GET /api/embed/reports/{key}: who is calling, then the embed config for that caller. The
// query string, body and any identity headers the client sends are never read.
export function createEmbedReportHandler(broker: () => Broker): Handler {
  return withProblemDetails(async (request, context) => {
    const deadline = broker().deadlineFromNow();
    const caller = await callerOf(broker(), request, deadline);
    const outcome = await broker().embedReport(caller, request.params.key ?? '', deadline);
    context.info(`embed report=${outcome.config.id} rule=${outcome.rule} rls=${outcome.identityApplied} tokenId=${outcome.config.tokenId}`);
    return json(200, outcome.config);
  });
}
