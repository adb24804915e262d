import { BrokerError } from '../errors/brokerError';
import { claimValues, singleClaim, type Claims } from './claims';
import type { CatalogItem, EmbedPolicy, IdentityTemplate, PolicyRule } from './embedPolicy';

// Decides whether a caller may embed an item and builds the effective identity from the
// caller's validated claims and the policy only: nothing the client sends can change it.

export const ITEM_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const MAX_USERNAME_LENGTH = 256;

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

function buildIdentity(template: IdentityTemplate, claims: Claims, ruleName: string): EffectiveIdentity {
  const username = singleClaim(claims, template.username.claim);
  if (!username || username.length > MAX_USERNAME_LENGTH) {
    throw new BrokerError('forbidden', `The caller's token has no usable "${template.username.claim}" claim for the effective identity.`, {
      extensions: { rule: ruleName },
    });
  }
  const roles = new Set(template.roles?.values ?? []);
  const { fromClaim, map } = template.roles ?? {};
  if (fromClaim && map) {
    for (const value of claimValues(claims, fromClaim)) {
      const role = Object.hasOwn(map, value) ? map[value] : undefined;
      if (role) roles.add(role);
    }
  }
  const identity: EffectiveIdentity = { username, roles: [...roles] };
  if (template.customData) {
    const customData = singleClaim(claims, template.customData.claim);
    if (customData) identity.customData = customData;
  }
  return identity;
}

export function normalizeItemKey(rawKey: string): string {
  const key = rawKey.toLowerCase();
  if (!ITEM_KEY_PATTERN.test(key)) {
    throw new BrokerError('bad_request', 'The item key must be 1-64 letters, digits or dashes.');
  }
  return key;
}

export function authorizeEmbed(policy: EmbedPolicy, claims: Claims, rawKey: string): EmbedGrant {
  const key = normalizeItemKey(rawKey);
  const item = Object.hasOwn(policy.items, key) ? policy.items[key] : undefined;
  if (!item) throw new BrokerError('not_found', `No embeddable item is named "${key}".`);
  const rule = policy.rules.find((r) => (r.allow.includes('*') || r.allow.includes(key)) && ruleMatches(r, claims));
  if (!rule) throw new BrokerError('forbidden', `The caller may not embed "${key}".`);
  return { key, item, rule: rule.name, identity: buildIdentity(rule.identity, claims, rule.name) };
}
