import Ajv from 'ajv';
import schema from './embed-policy.schema.json';

// The embed policy: a catalog of embeddable items and the rules that say who may embed them
// and with which effective identity. Its JSON Schema is published beside this file.

export interface ReportItem {
  type: 'report';
  workspaceId: string;
  reportId: string;
  description?: string;
}

export type CatalogItem = ReportItem;

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
}

export interface EmbedPolicy {
  version: 1;
  items: Record<string, CatalogItem>;
  rules: PolicyRule[];
}

export type ParsedPolicy = { ok: true; policy: EmbedPolicy } | { ok: false; problems: string[] };

const validate = new Ajv({ allErrors: true, strict: true }).compile<EmbedPolicy>(schema);

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
      if (key !== '*' && !(key in policy.items)) problems.push(`${where}: allows unknown item "${key}"`);
    }
    if (rule.allow.includes('*') && rule.allow.length > 1) problems.push(`${where}: "*" must be the only entry of allow`);
  });
  return problems;
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
