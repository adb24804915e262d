import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

// azure.yaml wires the hooks to the built JavaScript of dev/azd, which `npm run build` makes:
// azd runs them from the project root, with no TypeScript runner.

const root = resolve(__dirname, '..', '..', '..');

interface HookConfig {
  posix: { shell: string; run: string; interactive?: boolean };
  windows: { shell: string; run: string };
}

describe('azure.yaml hooks', () => {
  const yaml = parse(readFileSync(join(root, 'azure.yaml'), 'utf8')) as { hooks: Record<string, HookConfig> };

  it.each(['preprovision', 'postprovision'])('runs %s from its built file, installing and building first', (name) => {
    const hook = yaml.hooks[name] as HookConfig;
    for (const run of [hook.posix.run, hook.windows.run]) {
      expect(run).toContain('npm ci');
      expect(run).toContain('npm run build');
      expect(run).toContain(`node dist/dev/azd/${name}.js`);
    }
    expect(hook.posix.interactive).toBe(true);
    expect(existsSync(join(root, 'dev', 'azd', `${name}.ts`))).toBe(true);
    expect(existsSync(join(root, 'dist', 'dev', 'azd', `${name}.js`))).toBe(true);
  });

  it('deploys the SPA as the `web` service: dist/web, built before packaging, configured from the outputs before deploying', () => {
    const services = (parse(readFileSync(join(root, 'azure.yaml'), 'utf8')) as { services: Record<string, { project: string; dist: string; language: string; host: string; hooks: Record<string, HookConfig> }> }).services;
    expect(Object.keys(services).sort()).toEqual(['api', 'web']);
    const web = services.web as (typeof services)[string];
    expect({ project: web.project, dist: web.dist, language: web.language, host: web.host }).toEqual({ project: '.', dist: 'dist/web', language: 'js', host: 'staticwebapp' });
    // Vite's outDir is the folder azd uploads.
    expect(readFileSync(join(root, 'web', 'vite.config.mts'), 'utf8')).toContain("outDir: fileURLToPath(new URL('../dist/web', import.meta.url))");
    const { prepackage, predeploy } = web.hooks as Record<string, HookConfig>;
    for (const run of [prepackage?.posix.run, prepackage?.windows.run]) expect(run).toMatch(/npm ci .*vite build --config web\/vite\.config\.mts$/);
    for (const run of [predeploy?.posix.run, predeploy?.windows.run]) expect(run).toMatch(/npm ci .*npm run build .*node dist\/dev\/azd\/predeployWeb\.js( \})?$/);
    expect(existsSync(join(root, 'dist', 'dev', 'azd', 'predeployWeb.js'))).toBe(true);
    // The API's own packaging is unchanged.
    expect(services.api?.hooks.prepackage?.posix.run).toBe('npm run package');
  });

  it('the postprovision hook exits 1 on settings the app would refuse, so azd up stops before deploying', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
      const child = spawn(process.execPath, [join(root, 'dist', 'dev', 'azd', 'postprovision.js')], { cwd: root, env: { PATH: process.env.PATH ?? '', AUTH_MODE: 'none' } });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('exit', (exitCode) => done({ code: exitCode, output: text }));
    });
    expect(code).toBe(1);
    expect(output).toContain('[failed] Settings');
    expect(output).toContain('no embed policy');
  });
});
