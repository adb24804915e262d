import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Reads what the local host honours from host.json: the HTTP route prefix.

export function readRoutePrefix(appDir: string): string {
  const file = join(appDir, 'host.json');
  if (!existsSync(file)) return 'api';
  const hostJson = JSON.parse(readFileSync(file, 'utf8')) as { extensions?: { http?: { routePrefix?: unknown } } };
  const prefix = hostJson.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix : 'api';
}
