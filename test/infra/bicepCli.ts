import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Template } from './arm';

// The real Bicep compiler for the infra tests. Where it is looked for, in order: BICEP_PATH, a copy
// restored by `npm run bicep:restore` under .local/bicep, `bicep` on PATH (azd and the Azure CLI
// install one). The Microsoft Graph extension of modules/appRegistrations.bicep cannot be restored
// offline, so main.bicep is compiled in a copy of infra/ where that module is replaced by
// test/infra/appRegistrations.standin.bicep (same parameters and outputs, checked by the tests).

export const repoRoot = path.resolve(__dirname, '../..');
export const infraDir = path.join(repoRoot, 'infra');
export const graphModule = path.join(infraDir, 'modules', 'appRegistrations.bicep');
export const standInModule = path.join(__dirname, 'appRegistrations.standin.bicep');
const restoredDir = path.join(repoRoot, '.local', 'bicep');

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

function restoredCopy(): string | undefined {
  if (!existsSync(restoredDir)) return undefined;
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'bicep' && path.basename(dir) === 'tools') found.push(full);
    }
  };
  walk(restoredDir);
  return found.sort().reverse().find(executable);
}

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, 'bicep'))) return path.join(dir, 'bicep');
  }
  return undefined;
}

/** The Bicep CLI, or undefined with the reason. */
export function findBicep(): { path: string } | { missing: string } {
  const explicit = process.env.BICEP_PATH;
  if (explicit) return executable(explicit) ? { path: explicit } : { missing: `BICEP_PATH=${explicit} is not an executable file` };
  const found = restoredCopy() ?? onPath();
  return found ? { path: found } : { missing: 'no Bicep CLI: set BICEP_PATH, run `npm run bicep:restore`, or install azd or the Azure CLI' };
}

/**
 * describe() when the Bicep CLI is there; otherwise a skipped block that says why. Under CI
 * (CI=true) a missing CLI fails instead: CI installs it.
 */
export function describeWithBicep(name: string, body: (bicep: string) => void): void {
  const found = findBicep();
  if ('path' in found) {
    describe(name, () => body(found.path));
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the Bicep CLI (CI installs it in .ci/run)', () => {
        throw new Error(found.missing);
      });
    });
    return;
  }
  console.warn(`${name}: skipped, ${found.missing}`);
  describe(name, () => {
    it.skip(`skipped: ${found.missing}`, () => undefined);
  });
}

export interface Diagnostic {
  file: string;
  line: number;
  level: string;
  code: string;
  message: string;
}

/** Parses `file(line,col) : Level CODE: message` lines. */
export function diagnostics(output: string): Diagnostic[] {
  const result: Diagnostic[] = [];
  for (const match of output.matchAll(/^(.+?)\((\d+),\d+\) : (Error|Warning|Info) ([\w-]+): (.*)$/gm)) {
    result.push({ file: match[1] ?? '', line: Number(match[2]), level: match[3] ?? '', code: match[4] ?? '', message: match[5] ?? '' });
  }
  return result;
}

export interface Compiled {
  /** The copy of infra/ that was compiled, with the stand-in in the Graph module's place. */
  dir: string;
  /** Output of `bicep build` and `bicep lint` over every file. */
  buildOutput: string;
  lintOutput: string;
  buildStatus: number;
  lintStatus: number;
  template(relative: string): Template;
}

function sourcesHash(bicep: string): string {
  const h = createHash('sha256').update(bicep).update(String(statSync(bicep).mtimeMs));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else h.update(path.relative(infraDir, full)).update(readFileSync(full));
    }
  };
  walk(infraDir);
  h.update(readFileSync(standInModule));
  return h.digest('hex').slice(0, 16);
}

const run = (bicep: string, args: string[], cwd: string) => {
  const result = spawnSync(bicep, args, { cwd, encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
};

/**
 * Compiles and lints every template (main.bicep against the stand-in) once per change of the
 * sources; jest workers share the result through a directory under the system's temp dir.
 */
export function compileInfra(bicep: string): Compiled {
  const cacheRoot = path.join(tmpdir(), 'powerbi-embed-broker-bicep');
  const dir = path.join(cacheRoot, sourcesHash(bicep));
  if (!existsSync(path.join(dir, 'done.json'))) {
    mkdirSync(cacheRoot, { recursive: true });
    const work = `${dir}.${process.pid}.${Date.now()}`;
    cpSync(infraDir, work, { recursive: true });
    cpSync(standInModule, path.join(work, 'modules', 'appRegistrations.bicep'));
    const build = run(bicep, ['build', '--pattern', '**/*.bicep', '--no-restore'], work);
    const lint = run(bicep, ['lint', '--pattern', '**/*.bicep', '--no-restore'], work);
    writeFileSync(path.join(work, 'done.json'), JSON.stringify({ build, lint }));
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another worker got there first
    }
  }
  const { build, lint } = JSON.parse(readFileSync(path.join(dir, 'done.json'), 'utf8')) as Record<'build' | 'lint', { status: number; output: string }>;
  return {
    dir,
    buildOutput: build.output.split(dir).join('infra'),
    lintOutput: lint.output.split(dir).join('infra'),
    buildStatus: build.status,
    lintStatus: lint.status,
    template: (relative) => JSON.parse(readFileSync(path.join(dir, relative), 'utf8')) as Template,
  };
}
