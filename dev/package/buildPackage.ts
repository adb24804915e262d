import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';

// Builds the deployment package of the function app: exactly what runs in Azure and nothing
// else. Each file in functions/ becomes one bundled file under functions/; everything they
// import (shared/, @azure/functions, the SDKs) is bundled once into lib/app.js, so module-level
// state (the process's broker, @azure/functions' registry) exists once per process. Only
// @azure/functions-core stays external: the Functions worker supplies it. The telemetry SDK is
// bundled on its own into lib/appInsights.js, which lib/app.js requires only when a connection
// string is set: without one it is never read (it costs about a second of cold start).

export const PACKAGE_LIB = 'lib/app.js';
export const TELEMETRY_LIB = 'lib/appInsights.js';
/** node-forge, for Key Vault certificates stored as PKCS#12: read only when one is. */
export const PKCS12_LIB = 'lib/nodeForge.js';
/** Packages the app loads lazily, each bundled into its own file next to the library. */
const LAZY_PACKAGES: Record<string, string> = { applicationinsights: TELEMETRY_LIB, 'node-forge': PKCS12_LIB };
/** Supplied by the Azure Functions Node worker at run time; never bundled, never installed. */
export const WORKER_PROVIDED = ['@azure/functions-core'];

export interface BuildPackageOptions {
  /** The repository root (package.json, host.json, functions/). */
  root: string;
  /** Output folder; emptied first so nothing stale ships. */
  outDir: string;
  /** A policy file to ship inside the package at the same relative path (EMBED_POLICY_PATH). */
  policyPath?: string | undefined;
}

export interface PackageFile {
  path: string;
  bytes: number;
}

export interface BuiltPackage {
  outDir: string;
  files: PackageFile[];
  totalBytes: number;
  /** Development-only packages some dependency requires optionally: not bundled, absent at run time. */
  leftOut: string[];
  /** The project's own files in the library, e.g. `shared/app/broker.ts` (never dev/ or test/). */
  bundledSources: string[];
  /** Folders of the npm packages bundled into the library (from esbuild's metafile), e.g. `node_modules/@azure/identity`. */
  bundledPackages: string[];
}

/** `node_modules/a/node_modules/@s/b/dist/x.js` -> `node_modules/a/node_modules/@s/b`: the lockfile's key for that package. */
function packageFolderOf(input: string): string | undefined {
  const parts = toPosix(input).split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const scoped = parts[at + 1]?.startsWith('@');
  return parts.slice(0, at + (scoped ? 3 : 2)).join('/');
}

interface RootPackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * Turns every import made by a function entry into a property read on the shared library, and
 * records which modules the library has to expose.
 */
function sharedLibraryPlugin(root: string, entries: Set<string>, exposed: Map<string, string>, libFromEntry: string): Plugin {
  return {
    name: 'shared-library',
    setup(builder) {
      builder.onResolve({ filter: /.*/ }, async (args) => {
        if (args.path === libFromEntry) return { path: args.path, external: true };
        if (args.namespace !== 'file' || !entries.has(args.importer)) return undefined;
        if (WORKER_PROVIDED.includes(args.path)) return { path: args.path, external: true };
        const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { fromPlugin: true } });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const key = toPosix(relative(root, resolved.path));
        exposed.set(key, resolved.path);
        return { path: key, namespace: 'shared-library' };
      });
      builder.onLoad({ filter: /.*/, namespace: 'shared-library' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(libFromEntry)})[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Leaves out of the bundle any package the lockfile installs for development only. The SDKs
 * probe a few optionally (`debug` tries `supports-color`); in Azure they are absent, so the
 * probe fails and the SDK carries on, exactly as it does here.
 */
function productionOnlyPlugin(root: string, devFolders: Set<string>, leftOut: Set<string>): Plugin {
  return {
    name: 'production-only',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, async (args) => {
        if ((args.pluginData as { probing?: boolean } | undefined)?.probing || WORKER_PROVIDED.includes(args.path)) return undefined;
        const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { probing: true } });
        const folder = resolved.errors.length === 0 ? packageFolderOf(relative(root, resolved.path)) : undefined;
        if (folder === undefined || !devFolders.has(folder)) return undefined;
        leftOut.add(folder);
        return { path: args.path, external: true };
      });
    },
  };
}

/** A lazily loaded package becomes a require of its own bundle, next to the library. */
function lazyPackagesPlugin(): Plugin {
  return {
    name: 'lazy-packages',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) => {
        const file = LAZY_PACKAGES[args.path];
        return file ? { path: `./${relative(dirname(PACKAGE_LIB), file)}`, external: true } : undefined;
      });
    },
  };
}

async function readDevFolders(root: string): Promise<Set<string>> {
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { dev?: boolean }> };
  return new Set(Object.entries(lock.packages ?? {}).filter(([folder, entry]) => folder !== '' && entry.dev === true).map(([folder]) => folder));
}

async function listFiles(dir: string, base = dir): Promise<PackageFile[]> {
  const files: PackageFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path, base)));
    else files.push({ path: toPosix(relative(base, path)), bytes: (await stat(path)).size });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export async function buildPackage(options: BuildPackageOptions): Promise<BuiltPackage> {
  const root = resolve(options.root);
  const outDir = resolve(options.outDir);
  // Emptying a folder that holds the repository would delete it.
  if (!relative(outDir, root).startsWith('..')) throw new Error(`the package folder must not contain the repository (got "${outDir}")`);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const functionsDir = join(root, 'functions');
  const entryFiles = (await readdir(functionsDir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  if (entryFiles.length === 0) throw new Error(`no function files in ${functionsDir}`);
  const entries = new Set(entryFiles.map((f) => join(functionsDir, f)));
  const exposed = new Map<string, string>();
  // absWorkingDir: metafile paths are then relative to the repository, wherever the script runs from.
  const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent', legalComments: 'eof' } as const;

  await build({
    ...common,
    entryPoints: [...entries],
    outdir: join(outDir, 'functions'),
    plugins: [sharedLibraryPlugin(root, entries, exposed, `../${PACKAGE_LIB}`)],
  });

  const libSource = [...exposed.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, path], i) => `import * as m${i} from ${JSON.stringify(path)};\nexports[${JSON.stringify(key)}] = m${i};`)
    .join('\n');
  const leftOut = new Set<string>();
  const devFolders = await readDevFolders(root);
  const lib = await build({
    ...common,
    metafile: true,
    plugins: [lazyPackagesPlugin(), productionOnlyPlugin(root, devFolders, leftOut)],
    stdin: { contents: libSource, resolveDir: root, sourcefile: 'package-library.js', loader: 'js' },
    outfile: join(outDir, PACKAGE_LIB),
    external: WORKER_PROVIDED,
  });
  const lazy = await Promise.all(
    Object.entries(LAZY_PACKAGES).map(([name, file]) =>
      build({
        ...common,
        metafile: true,
        plugins: [productionOnlyPlugin(root, devFolders, leftOut)],
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, sourcefile: `${name}-bundle.js`, loader: 'js' },
        outfile: join(outDir, file),
        external: WORKER_PROVIDED,
      }),
    ),
  );

  await copyFile(join(root, 'host.json'), join(outDir, 'host.json'));
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as RootPackageJson;
  const deployed = {
    name: pkg.name,
    version: pkg.version,
    ...(pkg.description ? { description: pkg.description } : {}),
    ...(pkg.license ? { license: pkg.license } : {}),
    private: true,
    main: 'functions/*.js',
    ...(pkg.engines ? { engines: pkg.engines } : {}),
  };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);

  if (options.policyPath) {
    if (isAbsolute(options.policyPath)) throw new Error(`EMBED_POLICY_PATH must be relative to the repository to ship in the package (got "${options.policyPath}")`);
    const source = resolve(root, options.policyPath);
    const inPackage = relative(root, source);
    if (inPackage.startsWith('..')) throw new Error(`EMBED_POLICY_PATH must stay inside the repository (got "${options.policyPath}")`);
    await mkdir(dirname(join(outDir, inPackage)), { recursive: true });
    await copyFile(source, join(outDir, inPackage));
  }

  const files = await listFiles(outDir);
  const inputs = [lib, ...lazy].flatMap((result) => Object.keys(result.metafile.inputs));
  const bundledPackages = [...new Set(inputs.map(packageFolderOf).filter((name): name is string => name !== undefined))].sort();
  const bundledSources = Object.keys(lib.metafile.inputs)
    .map(toPosix)
    .filter((input) => !input.includes('node_modules/') && input !== 'package-library.js')
    .sort();
  return { outDir, files, totalBytes: files.reduce((sum, f) => sum + f.bytes, 0), bundledPackages, bundledSources, leftOut: [...leftOut].sort() };
}
