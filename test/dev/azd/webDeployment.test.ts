import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EMBED_ORIGINS, reportChoices, reportTitle, webDeployment, withCspSources, type StaticWebAppConfig } from '../../../dev/azd/webDeployment';

const root = resolve(__dirname, '..', '..', '..');
const baseConfig = JSON.parse(readFileSync(join(root, 'web', 'public', 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig & {
  navigationFallback: { rewrite: string; exclude: string[] };
  globalHeaders: Record<string, string>;
};
const readRepoFile = (file: string) => readFileSync(join(root, file), 'utf8');

/** The provisioning outputs azd puts in the hook's environment. */
const OUTPUTS = {
  SERVICE_API_URI: 'https://func-api-abc.azurewebsites.net',
  API_BASE_URL: 'https://func-api-abc.azurewebsites.net/api',
  SPA_CLIENT_ID: '05a00000-0000-4000-8000-0000000000c1',
  SPA_AUTHORITY: 'https://login.microsoftonline.com/22222222-2222-4222-8222-222222222222',
  API_SCOPE: 'api://22222222-2222-4222-8222-222222222222/powerbi-embed-broker-abc-api/access_as_user',
  WEB_URL: 'https://stapp-web-abc.azurestaticapps.net/',
  EMBED_POLICY_PATH: 'dev/demo/embed-policy.json',
};

/** A CSP as { directive: sources }. */
const csp = (policy: string | undefined): Record<string, string[]> =>
  Object.fromEntries(
    String(policy)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name = '', ...sources]) => [name, sources]),
  );

describe('web/public/staticwebapp.config.json', () => {
  it('falls back to /index.html for client-side routes, but not for the built assets or /config.json', () => {
    expect(baseConfig.navigationFallback).toEqual({ rewrite: '/index.html', exclude: ['/assets/*', '/config.json'] });
  });

  it('sends a CSP that allows only this site\'s scripts and styles, Entra sign-in and Power BI\'s report frames', () => {
    const policy = csp(baseConfig.globalHeaders['Content-Security-Policy']);
    expect(policy).toMatchObject({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'connect-src': ["'self'", 'https://login.microsoftonline.com'],
      'frame-src': ['https://app.powerbi.com', 'https://login.microsoftonline.com'],
      'object-src': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    expect(JSON.stringify(policy)).not.toMatch(/\*|unsafe-|http:/);
    expect(baseConfig.globalHeaders['X-Content-Type-Options']).toBe('nosniff');
  });

  it('is copied into the built site (Vite\'s public directory)', () => {
    // npm test builds the SPA before jest runs.
    expect(JSON.parse(readFileSync(join(root, 'dist', 'web', 'staticwebapp.config.json'), 'utf8'))).toHaveProperty('navigationFallback');
  });
});

describe('webDeployment (the web service\'s predeploy hook)', () => {
  it('writes the SPA\'s config.json from the provisioning outputs, and the reports from the embed policy', () => {
    const result = webDeployment({ env: OUTPUTS, baseConfig, readRepoFile });
    expect(result.config).toEqual({
      apiBaseUrl: 'https://func-api-abc.azurewebsites.net',
      clientId: OUTPUTS.SPA_CLIENT_ID,
      authority: OUTPUTS.SPA_AUTHORITY,
      knownAuthorities: [],
      protocolMode: 'AAD',
      apiScope: OUTPUTS.API_SCOPE,
      reports: [
        { key: 'sales-overview', title: 'Sales overview' },
        { key: 'company-kpis', title: 'Company kpis' },
        { key: 'sales-vs-targets', title: 'Sales vs targets' },
        { key: 'invoices', title: 'Invoices' },
        { key: 'my-orders', title: 'My orders' },
        { key: 'finance', title: 'Finance' },
        { key: 'order-slips', title: 'Order slips' },
      ],
    });
    expect(result.report.status).toBe('done');
    expect(result.report.lines.join('\n')).toContain(OUTPUTS.WEB_URL);
    expect(result.report.todo).toEqual([]);
  });

  it('lets the CSP connect to the API\'s origin and the authority\'s, and nothing else is changed', () => {
    const result = webDeployment({ env: OUTPUTS, baseConfig, readRepoFile });
    const policy = csp(result.staticWebAppConfig?.globalHeaders?.['Content-Security-Policy']);
    const base = csp(baseConfig.globalHeaders['Content-Security-Policy']);
    expect(policy['connect-src']).toEqual(["'self'", 'https://login.microsoftonline.com', 'https://func-api-abc.azurewebsites.net']);
    expect(policy['frame-src']).toEqual(['https://app.powerbi.com', 'https://login.microsoftonline.com']);
    expect({ ...policy, 'connect-src': [], 'frame-src': [] }).toEqual({ ...base, 'connect-src': [], 'frame-src': [] });
    expect({ ...result.staticWebAppConfig, globalHeaders: {} }).toEqual({ ...baseConfig, globalHeaders: {} });
    expect(result.staticWebAppConfig?.globalHeaders?.['X-Content-Type-Options']).toBe('nosniff');
    // The input is left as it was: each deployment starts from web/public's file.
    expect(csp(baseConfig.globalHeaders['Content-Security-Policy'])['connect-src']).toEqual(["'self'", 'https://login.microsoftonline.com']);
  });

  it.each([
    ['USGovHigh', 'https://login.microsoftonline.us/t', EMBED_ORIGINS.USGovHigh],
    ['China', 'https://login.chinacloudapi.cn/t', 'https://app.powerbi.cn'],
  ])('frames %s\'s Power BI and signs in with its Entra', (cloud, authority, embed) => {
    const result = webDeployment({ env: { ...OUTPUTS, POWERBI_CLOUD: cloud, SPA_AUTHORITY: `${authority}/` }, baseConfig, readRepoFile });
    const policy = csp(result.staticWebAppConfig?.globalHeaders?.['Content-Security-Policy']);
    const origin = new URL(authority).origin;
    expect(result.config?.authority).toBe(authority);
    expect(policy['frame-src']).toEqual([embed, origin]);
    expect(policy['connect-src']).toEqual(["'self'", origin, OUTPUTS.SERVICE_API_URI]);
  });

  it('takes the picker from SPA_REPORTS before the policy, and a policy given as base64', () => {
    expect(reportChoices({ SPA_REPORTS: ' sales-overview:Sales: EU and US , company-kpis ', ...OUTPUTS }, readRepoFile, [])).toEqual([
      { key: 'sales-overview', title: 'Sales: EU and US' },
      { key: 'company-kpis', title: 'Company kpis' },
    ]);
    const policy = { version: 1, items: { 'a-report': { type: 'report' }, 'a-tile': { type: 'tile' } }, rules: [] };
    expect(reportChoices({ EMBED_POLICY_BASE64: Buffer.from(JSON.stringify(policy)).toString('base64'), EMBED_POLICY_PATH: 'ignored.json' }, readRepoFile, [])).toEqual([{ key: 'a-report', title: 'A report' }]);
    expect(reportTitle('sales--overview')).toBe('Sales overview');
  });

  it('deploys an empty picker with a note, and fails on an unreadable policy', () => {
    const empty = webDeployment({ env: { ...OUTPUTS, EMBED_POLICY_PATH: '' }, baseConfig, readRepoFile });
    expect(empty.report.status).toBe('done');
    expect(empty.config?.reports).toEqual([]);
    expect(empty.report.todo).toEqual([expect.stringContaining('SPA_REPORTS')]);
    const missing = webDeployment({ env: { ...OUTPUTS, EMBED_POLICY_PATH: 'no/such/policy.json' }, baseConfig, readRepoFile });
    expect(missing).toEqual({ report: { step: 'SPA configuration', status: 'failed', lines: ['EMBED_POLICY_PATH no/such/policy.json cannot be read'], todo: [] } });
    const notJson = webDeployment({ env: { ...OUTPUTS, EMBED_POLICY_PATH: '', EMBED_POLICY_BASE64: Buffer.from('{').toString('base64') }, baseConfig, readRepoFile });
    expect(notJson.report.lines).toEqual(['the embed policy (EMBED_POLICY_BASE64) is not JSON']);
  });

  it('deploys nothing before provisioning, and says which value is missing', () => {
    const result = webDeployment({ env: {}, baseConfig, readRepoFile });
    expect(result.config).toBeUndefined();
    expect(result.staticWebAppConfig).toBeUndefined();
    expect(result.report.status).toBe('failed');
    expect(result.report.lines).toEqual([
      expect.stringMatching(/^SERVICE_API_URI is not set: run `azd provision`/),
      expect.stringMatching(/^SPA_AUTHORITY is not set/),
      expect.stringMatching(/^API_SCOPE is not set/),
      expect.stringMatching(/^no SPA client id: .*EXISTING_SPA_CLIENT_ID/),
    ]);
  });

  it('uses EXISTING_SPA_CLIENT_ID when the template created no SPA app, and refuses a non-https API or cloud it does not know', () => {
    expect(webDeployment({ env: { ...OUTPUTS, SPA_CLIENT_ID: '', EXISTING_SPA_CLIENT_ID: 'spa-id' }, baseConfig, readRepoFile }).config?.clientId).toBe('spa-id');
    expect(webDeployment({ env: { ...OUTPUTS, SERVICE_API_URI: 'http://func.example.net' }, baseConfig, readRepoFile }).report.lines).toEqual(['SERVICE_API_URI is not an https URL (got "http://func.example.net")']);
    expect(webDeployment({ env: { ...OUTPUTS, POWERBI_CLOUD: 'Mars' }, baseConfig, readRepoFile }).report.lines).toEqual([expect.stringMatching(/^POWERBI_CLOUD must be one of Public, /)]);
    expect(webDeployment({ env: OUTPUTS, baseConfig: { ...baseConfig, globalHeaders: {} }, readRepoFile }).report.lines).toEqual([expect.stringContaining('no Content-Security-Policy')]);
  });

  it('replaces CSP directives, adding those absent, without repeating a source', () => {
    expect(withCspSources("default-src 'self';  connect-src 'self' https://a ;img-src data:", { 'connect-src': ["'self'", 'https://b', 'https://b'], 'worker-src': ["'self'"] })).toBe(
      "default-src 'self'; connect-src 'self' https://b; img-src data:; worker-src 'self'",
    );
  });
});

describe('node dist/dev/azd/predeployWeb.js', () => {
  const run = (cwd: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; output: string }>((done) => {
      const child = spawn(process.execPath, [join(cwd, 'dist', 'dev', 'azd', 'predeployWeb.js')], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => done({ code, output }));
    });

  // A copy of what the hook reads, so the repository's dist/web is left alone.
  let copy: string;
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'predeploy-web-'));
    cpSync(join(root, 'dist', 'dev'), join(copy, 'dist', 'dev'), { recursive: true });
    cpSync(join(root, 'dist', 'shared'), join(copy, 'dist', 'shared'), { recursive: true });
    cpSync(join(root, 'web', 'public'), join(copy, 'web', 'public'), { recursive: true });
    cpSync(join(root, 'dev', 'demo'), join(copy, 'dev', 'demo'), { recursive: true });
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('exits 1 without the built SPA', async () => {
    const { code, output } = await run(copy, OUTPUTS);
    expect(code).toBe(1);
    expect(output).toContain('dist/web/index.html is missing');
  });

  it('writes config.json and staticwebapp.config.json into dist/web, and exits 1 before provisioning', async () => {
    mkdirSync(join(copy, 'dist', 'web'), { recursive: true });
    writeFileSync(join(copy, 'dist', 'web', 'index.html'), '<!doctype html>');
    const before = await run(copy, {});
    expect(before.code).toBe(1);
    expect(existsSync(join(copy, 'dist', 'web', 'config.json'))).toBe(false);
    const { code, output } = await run(copy, OUTPUTS);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('[done] SPA configuration') });
    expect(JSON.parse(readFileSync(join(copy, 'dist', 'web', 'config.json'), 'utf8'))).toMatchObject({ apiBaseUrl: OUTPUTS.SERVICE_API_URI, clientId: OUTPUTS.SPA_CLIENT_ID });
    const written = JSON.parse(readFileSync(join(copy, 'dist', 'web', 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig;
    expect(csp(written.globalHeaders?.['Content-Security-Policy'])['connect-src']).toContain(OUTPUTS.SERVICE_API_URI);
  });

  it('reads EMBED_POLICY_PATH only inside the repository', async () => {
    const { code, output } = await run(copy, { ...OUTPUTS, EMBED_POLICY_PATH: '../../etc/passwd' });
    expect(code).toBe(1);
    expect(output).toContain('EMBED_POLICY_PATH ../../etc/passwd cannot be read');
  });
});
