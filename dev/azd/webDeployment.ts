import { CLOUD_NAMES, type CloudName } from '../../shared/config/clouds';
import type { Environment } from '../../shared/config/config';
import type { StepReport } from './stepReport';

// The `web` service's predeploy hook: the sample SPA's runtime /config.json and its Static Web
// Apps configuration, from the provisioning outputs azd put in the environment. They are written
// at deploy time, not built in: `azd up` packages before it provisions, so on a first `azd up`
// no output exists yet when the SPA is built, and one build then serves every environment.

/** The SPA's /config.json (web/src/config.ts, AppConfig). */
export interface SpaRuntimeConfig {
  apiBaseUrl: string;
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  protocolMode: 'AAD';
  apiScope: string;
  reports: { key: string; title: string }[];
}

/** The part of staticwebapp.config.json this hook reads and changes. */
export interface StaticWebAppConfig {
  globalHeaders?: Record<string, string>;
  [key: string]: unknown;
}

export interface WebDeploymentInput {
  env: Environment;
  /** web/public/staticwebapp.config.json, as built into the site. */
  baseConfig: StaticWebAppConfig;
  /** Reads a file of the repository (EMBED_POLICY_PATH); throws when it cannot. */
  readRepoFile: (relativePath: string) => string;
}

export interface WebDeployment {
  report: StepReport;
  /** Both undefined when a value the SPA needs is missing: nothing is to be deployed. */
  config?: SpaRuntimeConfig;
  staticWebAppConfig?: StaticWebAppConfig;
}

/** Host of Power BI's embed pages (the report iframe) in each POWERBI_CLOUD. */
export const EMBED_ORIGINS: Record<CloudName, string> = {
  Public: 'https://app.powerbi.com',
  USGov: 'https://app.powerbigov.us',
  USGovHigh: 'https://app.high.powerbigov.us',
  USGovDoD: 'https://app.mil.powerbigov.us',
  China: 'https://app.powerbi.cn',
};

const CSP = 'Content-Security-Policy';

function httpsOrigin(name: string, raw: string | undefined, problems: string[]): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:') return url.origin;
  } catch {
    // reported below
  }
  problems.push(`${name} is not an https URL (got "${raw}")`);
  return undefined;
}

/** "sales-overview" -> "Sales overview". */
export function reportTitle(key: string): string {
  const words = key.split('-').filter(Boolean).join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** SPA_REPORTS ("key:Title,key2:Title 2"), else the embed policy's report items, in its order. */
export function reportChoices(env: Environment, readRepoFile: (relativePath: string) => string, problems: string[]): { key: string; title: string }[] {
  const listed = env.SPA_REPORTS?.trim();
  if (listed) {
    return listed
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [key = '', ...title] = entry.split(':');
        return { key: key.trim(), title: title.join(':').trim() || reportTitle(key.trim()) };
      });
  }
  let text: string | undefined;
  const base64 = env.EMBED_POLICY_BASE64?.trim();
  const path = env.EMBED_POLICY_PATH?.trim();
  try {
    if (base64) text = Buffer.from(base64, 'base64').toString('utf8');
    else if (path) text = readRepoFile(path);
  } catch {
    problems.push(`EMBED_POLICY_PATH ${path ?? ''} cannot be read`);
    return [];
  }
  if (text === undefined) return [];
  try {
    const policy = JSON.parse(text) as { items?: Record<string, { type?: unknown }> };
    return Object.entries(policy.items ?? {})
      .filter(([, item]) => item.type === 'report')
      .map(([key]) => ({ key, title: reportTitle(key) }));
  } catch {
    problems.push(`the embed policy (${base64 ? 'EMBED_POLICY_BASE64' : 'EMBED_POLICY_PATH'}) is not JSON`);
    return [];
  }
}

/** The policy's directives in order, each with its sources. */
function parseCsp(policy: string): [string, string[]][] {
  return policy
    .split(';')
    .map((directive) => directive.trim().split(/\s+/).filter(Boolean))
    .filter((parts) => parts.length > 0)
    .map(([name = '', ...sources]) => [name.toLowerCase(), sources]);
}

const formatCsp = (directives: [string, string[]][]): string => directives.map(([name, sources]) => [name, ...sources].join(' ')).join('; ');

/** The CSP with these directives' sources replaced (added at the end when absent). */
export function withCspSources(policy: string, replace: Record<string, string[]>): string {
  const directives = parseCsp(policy);
  for (const [name, sources] of Object.entries(replace)) {
    const unique = [...new Set(sources)];
    const found = directives.find(([existing]) => existing === name);
    if (found) found[1] = unique;
    else directives.push([name, unique]);
  }
  return formatCsp(directives);
}

export function webDeployment({ env, baseConfig, readRepoFile }: WebDeploymentInput): WebDeployment {
  const get = (name: string) => env[name]?.trim() || undefined;
  const problems: string[] = [];
  const todo: string[] = [];

  const site = get('WEB_URL');
  const apiOrigin = httpsOrigin('SERVICE_API_URI', get('SERVICE_API_URI'), problems);
  const authority = get('SPA_AUTHORITY')?.replace(/\/+$/, '');
  const authorityOrigin = httpsOrigin('SPA_AUTHORITY', authority, problems);
  const apiScope = get('API_SCOPE');
  const clientId = get('SPA_CLIENT_ID') ?? get('EXISTING_SPA_CLIENT_ID');
  const cloudName = get('POWERBI_CLOUD') ?? 'Public';
  const cloud = CLOUD_NAMES.find((name) => name === cloudName);

  for (const [name, value] of [
    ['SERVICE_API_URI', apiOrigin],
    ['SPA_AUTHORITY', authority],
    ['API_SCOPE', apiScope],
  ] as const)
    if (!value && !problems.some((p) => p.startsWith(name))) problems.push(`${name} is not set: run \`azd provision\` first (it is an output of infra/main.bicep)`);
  if (!clientId)
    problems.push(
      `no SPA client id: SPA_CLIENT_ID is empty (CREATE_APP_REGISTRATIONS or CREATE_SPA_APP_REGISTRATION is false). Set EXISTING_SPA_CLIENT_ID to your SPA app registration, with ${site ?? 'the site\'s URL'} as a SPA redirect URI, and add it to AUTH_ALLOWED_CLIENT_IDS`,
    );
  if (!cloud) problems.push(`POWERBI_CLOUD must be one of ${CLOUD_NAMES.join(', ')} (got "${cloudName}")`);
  const reports = reportChoices(env, readRepoFile, problems);
  const basePolicy = baseConfig.globalHeaders?.[CSP];
  if (!basePolicy) problems.push(`web/public/staticwebapp.config.json has no ${CSP} in globalHeaders`);

  if (problems.length > 0 || !apiOrigin || !authority || !authorityOrigin || !apiScope || !clientId || !cloud || !basePolicy) {
    return { report: { step: 'SPA configuration', status: 'failed', lines: problems, todo: [] } };
  }

  if (reports.length === 0) todo.push('The report picker is empty: set SPA_REPORTS ("key:Title,key2:Title 2") or an embed policy with report items, then `azd deploy web`.');
  const config: SpaRuntimeConfig = { apiBaseUrl: apiOrigin, clientId, authority, knownAuthorities: [], protocolMode: 'AAD', apiScope, reports };
  const policy = withCspSources(basePolicy, {
    'connect-src': ["'self'", authorityOrigin, apiOrigin],
    'frame-src': [EMBED_ORIGINS[cloud], authorityOrigin],
  });
  const staticWebAppConfig: StaticWebAppConfig = { ...baseConfig, globalHeaders: { ...baseConfig.globalHeaders, [CSP]: policy } };
  return {
    config,
    staticWebAppConfig,
    report: {
      step: 'SPA configuration',
      status: 'done',
      lines: [
        `Site              ${site ?? '(WEB_URL not set)'}`,
        `API base URL      ${apiOrigin}`,
        `Sign-in authority ${authority}`,
        `SPA client id     ${clientId}`,
        `Scope to request  ${apiScope}`,
        `Reports           ${reports.map((report) => report.key).join(', ') || '(none)'}`,
        `CSP connect-src   'self' ${authorityOrigin} ${apiOrigin}; frame-src ${EMBED_ORIGINS[cloud]} ${authorityOrigin}`,
      ],
      todo,
    },
  };
}
