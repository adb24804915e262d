import { embedPolicy as validate } from '../generated/policyValidator';

// The embed policy: a catalog of embeddable items and the rules that say who may embed them
// and with which effective identity. Its JSON Schema is published beside this file.

export type Access = 'view' | 'edit' | 'create';

interface ItemBase {
  workspaceId: string;
  description?: string;
  /** Only callers of this customer may embed the item. */
  customer?: string;
}

/** A Power BI report or a paginated report: Get Report's reportType tells them apart. */
export interface ReportItem extends ItemBase {
  type: 'report';
  reportId: string;
  access?: Access;
  /** A paginated report whose Azure SQL data sources sign in as the caller (datasourceIdentities). */
  sso?: boolean;
}

export interface DatasetItem extends ItemBase {
  type: 'dataset';
  datasetId: string;
  access?: Access;
}

/** Tiles are embedded through their dashboard: only tiles of a cataloged dashboard can be. */
export interface DashboardItem extends ItemBase {
  type: 'dashboard';
  dashboardId: string;
}

export type CatalogItem = ReportItem | DatasetItem | DashboardItem;
export type ItemKind = CatalogItem['type'];

export interface DatasetOptions {
  sso?: boolean;
  aasLiveConnection?: boolean;
}

export interface CustomerServicePrincipal {
  clientId: string;
  objectId?: string;
}

export interface Customer {
  values: string[];
  workspaces: string[];
  profileId?: string;
  servicePrincipal?: CustomerServicePrincipal;
}

export interface Customers {
  claim: string;
  entries: Record<string, Customer>;
}

export interface ClaimRef {
  claim: string;
}

export interface IdentityTemplate {
  username: ClaimRef;
  roles?: { values?: string[]; fromClaim?: string; map?: Record<string, string> };
  customData?: ClaimRef;
}

export interface PolicyRule {
  name: string;
  match: Record<string, string | string[]>;
  allow: string[];
  identity: IdentityTemplate;
  access?: Access;
  targetWorkspaceId?: string;
}

export interface EmbedPolicy {
  version: 1;
  items: Record<string, CatalogItem>;
  rules: PolicyRule[];
  customers?: Customers;
  datasets?: Record<string, DatasetOptions>;
  servicePrincipalObjectId?: string;
}

export type ParsedPolicy = { ok: true; policy: EmbedPolicy } | { ok: false; problems: string[] };

function describeSchemaErrors(): string[] {
  return (validate.errors ?? []).map((error) => {
    const where = error.instancePath || '(root)';
    if (error.keyword === 'additionalProperties') return `${where}: unknown property "${String(error.params.additionalProperty)}"`;
    if (error.keyword === 'propertyNames') return `${where}: invalid item key "${String(error.params.propertyName)}" (lower-case letters, digits and dashes)`;
    return `${where}: ${error.message ?? 'is invalid'}`;
  });
}

function semanticProblems(policy: EmbedPolicy): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  policy.rules.forEach((rule, index) => {
    const where = `/rules/${index} ("${rule.name}")`;
    if (names.has(rule.name)) problems.push(`${where}: duplicate rule name`);
    names.add(rule.name);
    for (const key of rule.allow) {
      if (key !== '*' && !Object.hasOwn(policy.items, key)) problems.push(`${where}: allows unknown item "${key}"`);
    }
    if (rule.allow.includes('*') && rule.allow.length > 1) problems.push(`${where}: "*" must be the only entry of allow`);
  });
  const customers = policy.customers?.entries ?? {};
  const owner = new Map<string, string>();
  for (const [name, customer] of Object.entries(customers)) {
    if (customer.profileId && customer.servicePrincipal) problems.push(`/customers/entries/${name}: a customer has a profile or its own service principal, not both`);
    for (const value of customer.values) {
      const other = owner.get(value);
      if (other) problems.push(`/customers/entries/${name}: claim value "${value}" also belongs to "${other}"`);
      owner.set(value, name);
    }
  }
  for (const [key, item] of Object.entries(policy.items)) {
    if (item.customer !== undefined && !Object.hasOwn(customers, item.customer)) problems.push(`/items/${key}: unknown customer "${item.customer}"`);
  }
  return problems;
}

/**
 * Rules that are valid but admit more than their author likely meant: any signed-in caller, any
 * token without a delegated scope (app-only tokens, if AUTH_ALLOW_APP_TOKENS lets them in), or
 * every item. Warned about at start-up; refused with EMBED_POLICY_STRICT.
 */
export function policyWarnings(policy: EmbedPolicy): string[] {
  const warnings: string[] = [];
  policy.rules.forEach((rule, index) => {
    const where = `/rules/${index} ("${rule.name}")`;
    const claims = Object.keys(rule.match);
    if (claims.length === 0) warnings.push(`${where}: "match": {} admits every signed-in caller`);
    else if (!Object.hasOwn(rule.match, 'scp')) warnings.push(`${where}: does not require a delegated scope ("scp"), so it does not tell users from applications`);
    if (rule.allow.includes('*')) warnings.push(`${where}: "allow": ["*"] admits every item of the catalog, including ones added later`);
  });
  return warnings;
}

export function parseEmbedPolicy(text: string): ParsedPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`not valid JSON (${(error as Error).message})`] };
  }
  if (!validate(json)) return { ok: false, problems: describeSchemaErrors() };
  const problems = semanticProblems(json);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy: json };
}
