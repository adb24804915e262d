import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// local.settings.json, as Core Tools reads it: its `Values` become app settings. Variables
// already in the environment win, so a shell or CI can override a file value.

export function readLocalSettings(appDir: string): Record<string, string> {
  const file = join(appDir, 'local.settings.json');
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`local.settings.json is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (values === undefined) return {};
  if (!values || typeof values !== 'object') throw new Error('local.settings.json "Values" must be an object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== null && value !== undefined && value !== '') out[name] = String(value);
  }
  return out;
}

export function mergeSettings(env: NodeJS.ProcessEnv, fileValues: Record<string, string>): NodeJS.ProcessEnv {
  return { ...fileValues, ...env };
}
