import { readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { createFunctionsCore, type FunctionsCore } from './functionsCore';

// Loads a Functions app the way the Node worker does: every file named by package.json
// `main` (a glob is allowed in the file name) is required, with `@azure/functions-core`
// supplied by us so `app.http(...)` registers instead of falling into test mode.

const CORE_MODULE = '@azure/functions-core';

interface ModuleWithLoad {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

export function resolveMainFiles(appDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { main?: unknown };
  if (typeof pkg.main !== 'string' || pkg.main === '') throw new Error('package.json has no "main" naming the function files');
  const main = resolve(appDir, pkg.main);
  const name = basename(main);
  if (!name.includes('*')) return [main];
  const dir = dirname(main);
  const pattern = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return readdirSync(dir)
    .filter((file) => pattern.test(file))
    .sort()
    .map((file) => join(dir, file));
}

export function installFunctionsCore(core: FunctionsCore = createFunctionsCore()): { core: FunctionsCore; uninstall(): void } {
  const loader = Module as unknown as ModuleWithLoad;
  const original = loader._load;
  loader._load = function load(request, parent, isMain) {
    if (request === CORE_MODULE) return core.api;
    return original.call(this, request, parent, isMain);
  };
  return { core, uninstall: () => void (loader._load = original) };
}

export function loadFunctionApp(appDir: string): FunctionsCore {
  const files = resolveMainFiles(appDir);
  if (files.length === 0) throw new Error(`package.json "main" matches no file under ${appDir}; run the build first`);
  const { core } = installFunctionsCore();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the worker loads function files with require, so do we
  for (const file of files) require(file);
  return core;
}
