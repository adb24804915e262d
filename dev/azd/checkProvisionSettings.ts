import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, loadConfig, type BrokerConfig, type Environment } from '../../shared/config/config';
import { deployedSettings } from './deployedSettings';

// preprovision: the settings `azd provision` is about to give the function app, checked with the
// app's own validator (loadConfig, parseEmbedPolicy) before anything is created, so a missing
// policy or a malformed value stops `azd up` with the full list instead of deploying a dead app.

export interface ProvisionCheck {
  ok: boolean;
  problems: string[];
  notes: string[];
  config?: BrokerConfig;
}

export function checkProvisionSettings(env: Environment, root: string): ProvisionCheck {
  const { settings, problems, notes } = deployedSettings(env);
  const policyPath = settings.EMBED_POLICY_PATH;
  if (policyPath !== undefined) {
    // The app reads it from its own folder in Azure; `npm run package` ships it there.
    if (isAbsolute(policyPath) || relative(root, resolve(root, policyPath)).startsWith('..')) {
      problems.push(`EMBED_POLICY_PATH must be a path inside this repository, relative to it, so the package ships the file (got "${policyPath}")`);
    }
  }
  let config: BrokerConfig | undefined;
  try {
    config = loadConfig(settings, { readFile: (path) => readFileSync(resolve(root, path), 'utf8') });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Our own message for a missing policy says how to set one in azd; the app's would repeat it.
    const policyMissing = problems.some((p) => p.startsWith('no embed policy'));
    problems.push(...error.problems.filter((p) => !(policyMissing && p === 'EMBED_POLICY_PATH or EMBED_POLICY is required')));
  }
  const unique = [...new Set(problems)];
  return { ok: unique.length === 0, problems: unique, notes, ...(config && unique.length === 0 ? { config } : {}) };
}

export function formatProvisionCheck(check: ProvisionCheck): string {
  const lines: string[] = [];
  if (check.ok) {
    const policy = check.config?.policy;
    lines.push(`preprovision: the app settings azd will deploy are valid (credential ${check.config?.powerBi.credential}, auth ${check.config?.auth.mode}, ${policy ? Object.keys(policy.items).length : 0} catalog items, ${policy?.rules.length ?? 0} rules).`);
  } else {
    lines.push(`preprovision: the function app would not start with these settings (${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}):`);
    for (const problem of check.problems) lines.push(`  - ${problem}`);
    lines.push('Fix them with `azd env set NAME VALUE` (see infra/README.md, "Parameters"), then run `azd up` again.');
  }
  for (const note of check.notes) lines.push(`  note: ${note}`);
  return `${lines.join('\n')}\n`;
}
