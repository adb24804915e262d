import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { parse } from 'yaml';
import { buildPackage, PACKAGE_LIB, PKCS12_LIB, TELEMETRY_LIB, type BuiltPackage } from '../../../dev/package/buildPackage';

// The deployment package, built as `azd deploy` builds it (azure.yaml's prepackage hook runs
// `npm run package`, then azd zips the service's `dist` folder): exactly the production app.

const root = resolve(__dirname, '..', '..', '..');

interface AzureYaml {
  services: { api: { project: string; dist: string; language: string; host: string; remoteBuild?: boolean; hooks?: Record<string, { posix?: { run: string } }> } };
}

describe('the deployment package', () => {
  let outDir: string;
  let built: BuiltPackage;
  let functionNames: string[];

  beforeAll(async () => {
    outDir = join(await mkdtemp(join(tmpdir(), 'pbi-broker-package-')), 'package');
    // A stale file and a key from an earlier run must not survive a rebuild.
    await mkdir(join(outDir, '.local', 'ca'), { recursive: true });
    await writeFile(join(outDir, 'stale.js'), 'old');
    await writeFile(join(outDir, '.local', 'ca', 'ca-key.pem'), 'key');
    built = await buildPackage({ root, outDir });
    functionNames = (await readdir(join(root, 'functions'))).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
  });

  afterAll(() => rm(resolve(outDir, '..'), { recursive: true, force: true }));

  it('is the folder azure.yaml deploys, built by the hook azd runs before packaging', async () => {
    const azureYaml = parse(await readFile(join(root, 'azure.yaml'), 'utf8')) as AzureYaml;
    const api = azureYaml.services.api;
    expect(api).toMatchObject({ project: '.', dist: 'dist/package', language: 'ts', host: 'function', remoteBuild: false });
    expect(api.hooks?.prepackage?.posix?.run).toBe('npm run package');
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.package).toMatch(/node dist\/dev\/package\/main\.js$/);
  });

  it('holds the bundled functions, one file each, their shared library, the telemetry SDK, the PKCS#12 reader, host.json and package.json, and nothing else', () => {
    const expected = [...functionNames.map((name) => `functions/${name}.js`), 'host.json', PACKAGE_LIB, TELEMETRY_LIB, PKCS12_LIB, 'package.json'].sort((a, b) => a.localeCompare(b));
    expect(built.files.map((f) => f.path)).toEqual(expected);
  });

  it('is small: no dependency folder, no source map, no test, no key, no log', () => {
    expect(built.files.some((f) => /node_modules|\.map$|\.ts$|\.pem$|\.log$|test|\.local/.test(f.path))).toBe(false);
    // What every cold start reads: all but the telemetry SDK and the PKCS#12 reader, read only when telemetry is on or a PFX is.
    const app = built.files.filter((f) => f.path !== TELEMETRY_LIB && f.path !== PKCS12_LIB);
    expect(app.reduce((sum, f) => sum + f.bytes, 0)).toBeLessThan(4 * 1024 * 1024);
    expect(built.totalBytes).toBeLessThan(12 * 1024 * 1024);
    // What the zip costs: every file deflated, as a zip entry is.
    const zipped = built.files.reduce((sum, f) => sum + deflateRawSync(readFileSync(join(outDir, f.path))).length, 0);
    expect(zipped).toBeLessThan(3 * 1024 * 1024);
  });

  it('has a package.json that names the function files and installs nothing', async () => {
    const pkg = JSON.parse(await readFile(join(outDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.main).toBe('functions/*.js');
    expect(pkg).not.toHaveProperty('dependencies');
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(pkg).not.toHaveProperty('scripts');
  });

  it('bundles production dependencies only, and leaves @azure/functions-core to the worker', async () => {
    const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const direct = ['@azure/functions', '@azure/identity', '@azure/keyvault-secrets', '@azure/msal-node', 'ajv', 'applicationinsights', 'jose', 'lru-cache'];
    expect(built.bundledPackages).toEqual(expect.arrayContaining(direct.map((name) => `node_modules/${name}`)));
    // Every bundled package is in the lockfile as a production one.
    expect(built.bundledPackages.filter((folder) => lock.packages[folder] === undefined || lock.packages[folder].dev === true)).toEqual([]);
    // What a dependency only probes for (debug -> supports-color) and npm installs for tests alone stays out.
    expect(built.leftOut.filter((folder) => lock.packages[folder]?.dev !== true)).toEqual([]);
    // The project's own code in it is the app's: functions/ and shared/, no emulator, no test helper.
    expect(built.bundledSources.length).toBeGreaterThan(10);
    expect(built.bundledSources.filter((source) => !/^(functions|shared)\//.test(source))).toEqual([]);
    const lib = await readFile(join(outDir, PACKAGE_LIB), 'utf8');
    expect(lib).toContain('require("@azure/functions-core")');
    // The telemetry SDK is its own file, required by the library only when a connection string is set.
    expect(lib).toContain('require("./appInsights.js")');
    expect(lib).not.toContain('APPLICATION_INSIGHTS_OPENTELEMETRY_VERSION');
    // So is node-forge, required only to read a PKCS#12 certificate.
    expect(lib).toContain('require("./nodeForge.js")');
    expect(await readFile(join(outDir, PKCS12_LIB), 'utf8')).toContain('pkcs12FromAsn1');
    // Schemas are compiled ahead of time (shared/generated): Ajv's compiler is not shipped, only its run-time helpers.
    expect(lib).not.toContain('schema with key or id');
    expect(await readFile(join(outDir, TELEMETRY_LIB), 'utf8')).toContain('require("@azure/functions-core")');
    // Each function file reaches every module through the one library, so there is one broker per process.
    for (const name of functionNames) {
      const source = await readFile(join(outDir, 'functions', `${name}.js`), 'utf8');
      expect(source).toContain(`require("../${PACKAGE_LIB}")`);
      expect(source).not.toMatch(/require\("(?!\.\.\/lib\/app\.js")/);
    }
  });

  it('ships a relative EMBED_POLICY_PATH inside the package, and refuses one outside the repository', async () => {
    const withPolicy = await buildPackage({ root, outDir, policyPath: 'dev/demo/embed-policy.json' });
    expect(withPolicy.files.map((f) => f.path)).toContain('dev/demo/embed-policy.json');
    await expect(buildPackage({ root, outDir, policyPath: '../elsewhere.json' })).rejects.toThrow(/inside the repository/);
    await expect(buildPackage({ root, outDir, policyPath: '/etc/policy.json' })).rejects.toThrow(/relative/);
  });

  it('is what the script azd runs (`npm run package` ends in it) builds, with azd\'s environment', async () => {
    const target = join(resolve(outDir, '..'), 'from-script');
    const run = spawnSync(process.execPath, [join(root, 'dist', 'dev', 'package', 'main.js'), target], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', EMBED_POLICY_PATH: 'dev/demo/embed-policy.json' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Deployment package in .*from-script: 11 files, \d+ KiB/);
    expect(existsSync(join(target, 'dev', 'demo', 'embed-policy.json'))).toBe(true);
    // No ignore file of its own: azd then ships the folder as it is, less node_modules (there is none).
    expect(existsSync(join(target, '.funcignore'))).toBe(false);
    expect(existsSync(join(target, 'node_modules'))).toBe(false);
  });

  it('refuses to empty a folder that holds the repository', async () => {
    await expect(buildPackage({ root, outDir: root })).rejects.toThrow(/must not contain the repository/);
    await expect(buildPackage({ root, outDir: resolve(root, '..') })).rejects.toThrow(/must not contain the repository/);
  });
});
