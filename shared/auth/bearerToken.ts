import { BrokerError } from '../errors/brokerError';

// RFC 6750: a missing token gets a bare challenge; a bad one gets error="invalid_token".

export function unauthenticated(message: string, invalidToken: boolean, cause?: unknown): BrokerError {
  const challenge = invalidToken ? `Bearer error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"` : 'Bearer';
  return new BrokerError('unauthenticated', message, { headers: { 'www-authenticate': challenge }, ...(cause === undefined ? {} : { cause }) });
}

export function extractBearerToken(authorization: string | null | undefined): string {
  if (!authorization) throw unauthenticated('A bearer token is required.', false);
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>".', true);
  return match[1] as string;
}
