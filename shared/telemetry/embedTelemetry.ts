import { createHmac, randomBytes } from 'node:crypto';
import { BrokerError } from '../errors/brokerError';
import { TELEMETRY_EVENTS, TELEMETRY_METRICS, type Telemetry } from './telemetry';

// What an issued embed token and a policy denial tell on-call. The effective username appears
// only as a keyed hash: HMAC-SHA256 under a key drawn at random when the process starts, so one
// instance's events can be grouped by user while nobody (not even with a list of candidate
// usernames) can tell who it was, and the key never leaves the process.

export type UserHasher = (username: string) => string;

export function createUserHasher(key: Buffer = randomBytes(32)): UserHasher {
  return (username) => createHmac('sha256', key).update(username, 'utf8').digest('base64url').slice(0, 22);
}

export interface IssuedEmbedToken {
  itemKeys: string[];
  rule: string;
  expiration: string;
  cacheHit: boolean;
  username: string;
  identityApplied: boolean;
}

export function reportEmbedTokenIssued(telemetry: Telemetry, hashUser: UserHasher, issued: IssuedEmbedToken, now: number): void {
  const lifetimeMinutes = Math.max(0, Math.round(((Date.parse(issued.expiration) - now) / 60_000) * 10) / 10);
  telemetry.event(
    TELEMETRY_EVENTS.embedTokenIssued,
    {
      itemKeys: issued.itemKeys.join(','),
      rule: issued.rule,
      cacheHit: String(issued.cacheHit),
      rls: String(issued.identityApplied),
      userHash: hashUser(issued.username),
    },
    { lifetimeMinutes },
  );
  telemetry.metric(issued.cacheHit ? TELEMETRY_METRICS.embedTokenCacheHits : TELEMETRY_METRICS.embedTokenCacheMisses, 1);
  telemetry.metric(TELEMETRY_METRICS.embedTokenLifetimeMinutes, lifetimeMinutes);
}

/** A 403 from the policy: which rule (when one matched) and why. Other failures are the dependencies' story. */
export function reportPolicyDenial(telemetry: Telemetry, error: unknown, itemKeys: string[]): void {
  if (!(error instanceof BrokerError) || error.code !== 'forbidden') return;
  const { reason, rule } = error.extensions;
  telemetry.event(TELEMETRY_EVENTS.policyDenied, {
    itemKeys: itemKeys.join(','),
    reason: typeof reason === 'string' ? reason : 'unknown',
    rule: typeof rule === 'string' ? rule : 'none',
  });
}
