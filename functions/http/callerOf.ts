import type { HttpRequest } from '@azure/functions';
import type { AuthenticatedCaller, Broker } from '../../shared/app/broker';

// Who is calling: only the configured auth mode's evidence is read; the client's query string,
// body and identity headers never change who the caller is.
export async function callerOf(broker: Broker, request: HttpRequest, deadline: number): Promise<AuthenticatedCaller> {
  const caller = await broker.authenticate({ authorization: request.headers.get('authorization'), clientPrincipal: request.headers.get('x-ms-client-principal') }, deadline);
  return { claims: caller.claims, bearerToken: caller.bearerToken };
}
