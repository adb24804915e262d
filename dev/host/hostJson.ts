import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Reads what the local host honours from host.json: the HTTP route prefix and the log levels.

interface HostJson {
  extensions?: { http?: { routePrefix?: unknown } };
  logging?: { logLevel?: Record<string, unknown> };
}

/** The app's host.json, or an empty one when it has none. */
function readHostJson(appDir: string): HostJson {
  const file = join(appDir, 'host.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HostJson) : {};
}

export function readRoutePrefix(appDir: string): string {
  const prefix = readHostJson(appDir).extensions?.http?.routePrefix;
  return typeof prefix === 'string' ? prefix : 'api';
}

/** The Functions host's log levels, least to most severe; `None` logs nothing. */
export const LOG_LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical', 'None'] as const;
export type HostLogLevel = (typeof LOG_LEVELS)[number];

function rankOf(level: string): number | undefined {
  const rank = LOG_LEVELS.findIndex((l) => l.toLowerCase() === level.toLowerCase());
  return rank < 0 ? undefined : rank;
}

/** Whether a host.json logLevel category applies to `category`, as .NET's logger filter rules decide: a prefix, case aside, with at most one `*` standing for anything. */
function categoryMatches(rule: string, category: string): boolean {
  const star = rule.indexOf('*');
  if (star < 0) return category.startsWith(rule);
  const prefix = rule.slice(0, star);
  const suffix = rule.slice(star + 1);
  return category.length >= prefix.length + suffix.length && category.startsWith(prefix) && category.endsWith(suffix);
}

/**
 * Whether a function's log at `level` (InvocationContext's: trace, debug, information, warning,
 * error, critical) passes host.json's `logging.logLevel`, as the Functions host decides it: of
 * the categories that match the log's (`Function.<name>.User`) the longest wins (the later of
 * equal ones), else `default`, else Information.
 */
export function functionLogFilter(appDir: string): (functionName: string, level: string) => boolean {
  const levels = Object.entries(readHostJson(appDir).logging?.logLevel ?? {}).flatMap(([category, level]) => {
    const rank = typeof level === 'string' ? rankOf(level) : undefined;
    return rank === undefined ? [] : [{ category: category.toLowerCase(), rank }];
  });
  const fallback = levels.find((l) => l.category === 'default')?.rank ?? (rankOf('Information') as number);
  const minimum = new Map<string, number>();
  const minimumFor = (functionName: string): number => {
    const known = minimum.get(functionName);
    if (known !== undefined) return known;
    const category = `function.${functionName.toLowerCase()}.user`;
    // The longest matching category (its `*` counted), the later one of equal length, as .NET picks.
    let best: { category: string; rank: number } | undefined;
    for (const l of levels) if (l.category !== 'default' && categoryMatches(l.category, category) && (!best || l.category.length >= best.category.length)) best = l;
    const rank = best?.rank ?? fallback;
    minimum.set(functionName, rank);
    return rank;
  };
  return (functionName, level) => {
    const rank = rankOf(level);
    return rank !== undefined && rank < LOG_LEVELS.indexOf('None') && rank >= minimumFor(functionName);
  };
}
