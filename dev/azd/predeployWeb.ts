import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { formatReports } from './stepReport';
import { webDeployment, type StaticWebAppConfig } from './webDeployment';

// azure.yaml `services.web.hooks.predeploy` (`node dist/dev/azd/predeployWeb.js`): azd runs it from
// the project root, after provisioning, with the environment's values and the outputs of
// infra/main.bicep in process.env. It writes dist/web/config.json and dist/web/staticwebapp.config.json
// (the CSP with this deployment's API and sign-in origins); `swa deploy` then uploads dist/web.
// A non-zero exit stops the deployment of the site.

const root = resolve(__dirname, '..', '..', '..');
const site = join(root, 'dist', 'web');

function readRepoFile(path: string): string {
  const full = resolve(root, path);
  const inside = relative(root, full);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`${path} is outside the repository`);
  return readFileSync(full, 'utf8');
}

if (!existsSync(join(site, 'index.html'))) {
  process.stdout.write('predeploy (web):\n  [failed] SPA configuration\n      dist/web/index.html is missing: the prepackage hook builds it (`npx vite build --config web/vite.config.mts`)\n');
  process.exitCode = 1;
} else {
  const baseConfig = JSON.parse(readFileSync(join(root, 'web', 'public', 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig;
  const result = webDeployment({ env: process.env, baseConfig, readRepoFile });
  if (result.config && result.staticWebAppConfig) {
    writeFileSync(join(site, 'config.json'), `${JSON.stringify(result.config, null, 2)}\n`);
    writeFileSync(join(site, 'staticwebapp.config.json'), `${JSON.stringify(result.staticWebAppConfig, null, 2)}\n`);
  }
  process.stdout.write(formatReports('predeploy (web):', [result.report]));
  process.exitCode = result.report.status === 'failed' ? 1 : 0;
}
