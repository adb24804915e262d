import { BrokerError } from '../errors/brokerError';
import { claimValues, type Claims } from './claims';
import type { ResolvedCustomer } from './customers';
import type { Access, CatalogItem, EmbedPolicy, IdentityTemplate, ItemKind, PolicyRule } from './embedPolicy';

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

export interface EmbedGrant<I extends CatalogItem = CatalogItem> {
  key: string;
  item: I;
  rule: string;
  identity: EffectiveIdentity;
  /** The most this caller may do with the item: the rule's access, capped by the item's. */
  access: Access;
  /** Where Save As and new reports go, when access is create. */
  targetWorkspaceId?: string;
}

const ACCESS_RANK: Record<Access, number> = { view: 0, edit: 1, create: 2 };

export function accessAtMost(a: Access, b: Access): Access {
  return ACCESS_RANK[a] <= ACCESS_RANK[b] ? a : b;
}

export function accessCovers(granted: Access, wanted: Access): boolean {
  return ACCESS_RANK[granted] >= ACCESS_RANK[wanted];
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

/** Is the item visible to this customer? Another customer's item answers like an unknown one. */
function ownedBy(item: CatalogItem, customer: ResolvedCustomer | undefined): boolean {
  if (!customer) return item.customer === undefined;
  if (item.customer !== undefined && item.customer !== customer.name) return false;
  return customer.workspaces.has(item.workspaceId.toLowerCase());
}

export interface AuthorizeOptions {
  /** The caller's customer, when the policy has customers. */
  customer?: ResolvedCustomer | undefined;
  /** The kinds of item this endpoint embeds; another kind answers 404. */
  kinds?: readonly ItemKind[];
  /** What the caller asks for; refused with 403 when the policy grants less. */
  access?: Access;
}

export function authorizeEmbed(policy: EmbedPolicy, claims: Claims, rawKey: string, options: AuthorizeOptions = {}): EmbedGrant {
  const key = normalizeItemKey(rawKey);
  const item = Object.hasOwn(policy.items, key) ? policy.items[key] : undefined;
  if (!item || !ownedBy(item, options.customer) || (options.kinds && !options.kinds.includes(item.type))) {
    throw new BrokerError('not_found', `No embeddable item is named "${key}".`);
  }
  const rule = policy.rules.find((r) => (r.allow.includes('*') || r.allow.includes(key)) && ruleMatches(r, claims));
  if (!rule) throw new BrokerError('forbidden', `The caller may not embed "${key}".`, { extensions: { reason: 'no_rule' } });
  const itemCap: Access = item.type === 'dashboard' ? 'view' : (item.access ?? 'create');
  const access = accessAtMost(rule.access ?? 'view', itemCap);
  const wanted = options.access ?? 'view';
  if (!accessCovers(access, wanted)) {
    throw new BrokerError('forbidden', `The policy does not grant ${wanted} access to "${key}".`, { extensions: { reason: 'access_denied', rule: rule.name } });
  }
  return {
    key,
    item,
    rule: rule.name,
    identity: buildIdentity(rule.identity, claims, rule.name),
    access,
    ...(access === 'create' ? { targetWorkspaceId: rule.targetWorkspaceId ?? item.workspaceId } : {}),
  };
}
