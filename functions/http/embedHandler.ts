import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { AuthenticatedCaller, Broker } from '../../shared/app/broker';
import { json, withProblemDetails, type Handler } from './respond';

// Who is calling: only the configured auth mode's evidence is read; the client's query string,
// body and identity headers never change who the caller is.
export async function callerOf(broker: Broker, request: HttpRequest, deadline: number): Promise<AuthenticatedCaller> {
  const caller = await broker.authenticate({ authorization: request.headers.get('authorization'), clientPrincipal: request.headers.get('x-ms-client-principal') }, deadline);
  return { claims: caller.claims, bearerToken: caller.bearerToken };
}

export interface EmbedAnswer {
  config: unknown;
  /** One log line of safe facts (ids, rule, token id): never the token. */
  summary: string;
}

/** An embed endpoint: authenticate, run one embed operation within the request's deadline, answer its config. */
export function embedHandler(broker: () => Broker, embed: (caller: AuthenticatedCaller, request: HttpRequest, deadline: number) => Promise<EmbedAnswer>): Handler {
  return withProblemDetails(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const deadline = broker().deadlineFromNow();
    const caller = await callerOf(broker(), request, deadline);
    const answer = await embed(caller, request, deadline);
    context.info(`embed ${answer.summary}`);
    return json(200, answer.config);
  });
}
