import { BrokerError } from '../errors/brokerError';
import { claimValues, type Claims } from './claims';
import type { CatalogItem, EmbedPolicy, IdentityTemplate, PolicyRule } from './embedPolicy';

// Decides whether a caller may embed an item and builds the effective identity from the
// caller's validated claims and the policy only: nothing the client sends can change it.

export const ITEM_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** Checked on the raw key, before case folding: Unicode folding maps look-alikes (the Kelvin sign) onto ASCII. */
const RAW_ITEM_KEY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/;
/** Power BI's limit on an effective identity's username. */
export const MAX_USERNAME_LENGTH = 256;
/** customData has no published limit; this bounds what a claim can put in every token. */
export const MAX_CUSTOM_DATA_LENGTH = 1024;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export interface EffectiveIdentity {
  username: string;
  roles: string[];
  customData?: string;
}

export interface EmbedGrant {
  key: string;
  item: CatalogItem;
  rule: string;
  identity: EffectiveIdentity;
}

function ruleMatches(rule: PolicyRule, claims: Claims): boolean {
  return Object.entries(rule.match).every(([claim, expected]) => {
    const actual = claimValues(claims, claim);
    const wanted = Array.isArray(expected) ? expected : [expected];
    return wanted.includes('*') ? actual.length > 0 : actual.some((value) => wanted.includes(value));
  });
}

/** Why a claim's value cannot go into an effective identity, as a stable reason code. */
function unusableReason(value: unknown, maxLength: number): string | undefined {
  if (value === undefined || value === null) return 'claim_missing';
  if (typeof value !== 'string') return 'claim_not_string';
  if (value.trim() === '') return 'claim_blank';
  if (CONTROL_CHARACTERS.test(value)) return 'claim_control_characters';
  if (value.length > maxLength) return 'claim_too_long';
  return undefined;
}

function identityValue(claims: Claims, claim: string, maxLength: number, ruleName: string): string {
  const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  const reason = unusableReason(value, maxLength);
  if (reason) {
    throw new BrokerError('forbidden', `The caller's token has no usable "${claim}" claim for the effective identity (${reason}).`, {
      extensions: { rule: ruleName, reason },
    });
  }
  return value as string;
}

function buildIdentity(template: IdentityTemplate, claims: Claims, ruleName: string): EffectiveIdentity {
  const username = identityValue(claims, template.username.claim, MAX_USERNAME_LENGTH, ruleName);
  const roles = new Set(template.roles?.values ?? []);
  const { fromClaim, map } = template.roles ?? {};
  if (fromClaim && map) {
    for (const value of claimValues(claims, fromClaim)) {
      const role = Object.hasOwn(map, value) ? map[value] : undefined;
      if (role) roles.add(role);
    }
  }
  const identity: EffectiveIdentity = { username, roles: [...roles] };
  if (template.customData) identity.customData = identityValue(claims, template.customData.claim, MAX_CUSTOM_DATA_LENGTH, ruleName);
  return identity;
}

export function normalizeItemKey(rawKey: string): string {
  if (!RAW_ITEM_KEY_PATTERN.test(rawKey)) {
    throw new BrokerError('bad_request', 'The item key must be 1-64 letters, digits or dashes.');
  }
  return rawKey.toLowerCase();
}

export function authorizeEmbed(policy: EmbedPolicy, claims: Claims, rawKey: string): EmbedGrant {
  const key = normalizeItemKey(rawKey);
  const item = Object.hasOwn(policy.items, key) ? policy.items[key] : undefined;
  if (!item) throw new BrokerError('not_found', `No embeddable item is named "${key}".`);
  const rule = policy.rules.find((r) => (r.allow.includes('*') || r.allow.includes(key)) && ruleMatches(r, claims));
  if (!rule) throw new BrokerError('forbidden', `The caller may not embed "${key}".`, { extensions: { reason: 'no_rule' } });
  return { key, item, rule: rule.name, identity: buildIdentity(rule.identity, claims, rule.name) };
}
