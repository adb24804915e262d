import { BrokerError } from '../errors/brokerError';
import type { Access } from '../policy/embedPolicy';

// The body of POST /api/embed: catalog keys of reports and datasets, and the access wanted for
// each. Checked on its own, before any policy decision or upstream call: Power BI's limits
// (50 reports, 50 datasets per token) answer 400 here.

export const MAX_REPORTS = 50;
export const MAX_DATASETS = 50;
export const MAX_TARGET_WORKSPACES = 50;

export interface RequestedItem {
  key: string;
  access: Access;
}

export interface EmbedRequest {
  reports: RequestedItem[];
  datasets: RequestedItem[];
}

function bad(message: string, reason: string): BrokerError {
  return new BrokerError('bad_request', message, { extensions: { reason } });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function items(body: Record<string, unknown>, name: 'reports' | 'datasets', max: number, allowed: readonly Access[]): RequestedItem[] {
  const list = body[name];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw bad(`"${name}" must be an array.`, 'invalid_body');
  if (list.length > max) throw bad(`A token can hold at most ${max} ${name}; the request names ${list.length}.`, `too_many_${name}`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    if (!isObject(raw)) throw bad(`"${name}[${i}]" must be an object.`, 'invalid_body');
    const unknown = Object.keys(raw).find((k) => k !== 'key' && k !== 'access');
    if (unknown !== undefined) throw bad(`"${name}[${i}]" has an unknown property "${unknown.slice(0, 40)}".`, 'invalid_body');
    const { key, access = 'view' } = raw;
    if (typeof key !== 'string') throw bad(`"${name}[${i}].key" must be a string.`, 'invalid_body');
    if (typeof access !== 'string' || !(allowed as readonly string[]).includes(access)) {
      throw bad(`"${name}[${i}].access" must be one of ${allowed.join(', ')}.`, 'invalid_body');
    }
    const folded = key.toLowerCase();
    if (seen.has(folded)) throw bad(`"${name}" names "${folded.slice(0, 64)}" twice.`, 'duplicate_item');
    seen.add(folded);
    return { key, access: access as Access };
  });
}

export function parseEmbedRequest(body: unknown): EmbedRequest {
  if (!isObject(body)) throw bad('The request body must be a JSON object.', 'invalid_body');
  const unknown = Object.keys(body).find((k) => k !== 'reports' && k !== 'datasets');
  if (unknown !== undefined) throw bad(`The request has an unknown property "${unknown.slice(0, 40)}".`, 'invalid_body');
  const request = { reports: items(body, 'reports', MAX_REPORTS, ['view', 'edit', 'create']), datasets: items(body, 'datasets', MAX_DATASETS, ['view', 'create']) };
  if (request.reports.length + request.datasets.length === 0) throw bad('The request must name at least one report or dataset.', 'empty_request');
  return request;
}
