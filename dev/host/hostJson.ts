import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Reads what the local host honours from host.json: the HTTP route prefix and the log levels.

export function readRoutePrefix(appDir: string): string {
  const file = join(appDir, 'host.json');
  if (!existsSync(file)) return 'api';
  const hostJson = JSON.parse(readFileSync(file, 'utf8')) as { extensions?: { http?: { routePrefix?: unknown } } };
  const prefix = hostJson.extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix : 'api';
}

/** The Functions host's log levels, least to most severe; `None` logs nothing. */
export const LOG_LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'] as const;
export type HostLogLevel = (typeof LOG_LEVELS)[number];

function rankOf(level: string): number | undefined {
  const rank = LOG_LEVELS.findIndex((l) => l.toLowerCase() === level.toLowerCase());
  return rank < 0 ? undefined : rank;
}

/**
 * Whether a function's log at `level` (InvocationContext's: trace, debug, information, warning,
 * error, critical) passes host.json's `logging.logLevel`, as the Functions host decides it: the
 * longest category prefix listed (`Function.<name>.User`, `Function.<name>`, `Function`) wins,
 * else `default`, else Information.
 */
export function functionLogFilter(appDir: string): (functionName: string, level: string) => boolean {
  const file = join(appDir, 'host.json');
  const hostJson = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { logging?: { logLevel?: Record<string, unknown> } }) : {};
  const levels = Object.entries(hostJson.logging?.logLevel ?? {}).flatMap(([category, level]) => {
    const rank = typeof level === 'string' ? rankOf(level) : undefined;
    return rank === undefined ? [] : [{ category: category.toLowerCase(), rank }];
  });
  const fallback = levels.find((l) => l.category === 'default')?.rank ?? (rankOf('Information') as number);
  const minimum = new Map<string, number>();
  const minimumFor = (functionName: string): number => {
    const known = minimum.get(functionName);
    if (known !== undefined) return known;
    const category = `function.${functionName.toLowerCase()}.user`;
    const match = levels
      .filter((l) => l.category !== 'default' && (category === l.category || category.startsWith(`${l.category}.`)))
      .sort((a, b) => b.category.length - a.category.length)[0];
    const rank = match?.rank ?? fallback;
    minimum.set(functionName, rank);
    return rank;
  };
  return (functionName, level) => {
    const rank = rankOf(level);
    return rank !== undefined && rank < LOG_LEVELS.indexOf('None') && rank >= minimumFor(functionName);
  };
}
