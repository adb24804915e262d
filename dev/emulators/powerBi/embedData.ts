import type { EffectiveIdentity } from './generateTokenRequest';

// Rows of a dataset for the local embed page, with row-level security the way a dataset's
// roles apply it: a role is a filter on one column; a user sees the union of their roles'
// rows. A dataset without RLS shows every row to every token that may view it.

export type Cell = string | number;

export interface DatasetTable {
  columns: string[];
  rows: Record<string, Cell>[];
  /** RLS: each role's allowed values of `column`, or '*' for every row. */
  rls?: { column: string; roles: Record<string, readonly Cell[] | '*'> };
}

export function visibleRows(table: DatasetTable, datasetId: string, identities: readonly EffectiveIdentity[]): Record<string, Cell>[] {
  const { rls } = table;
  if (!rls) return table.rows;
  const roles = identities.filter((identity) => identity.datasets.some((id) => id.toLowerCase() === datasetId.toLowerCase())).flatMap((identity) => identity.roles);
  const filters = roles.map((role) => rls.roles[role]).filter((filter) => filter !== undefined);
  if (filters.includes('*')) return table.rows;
  const allowed = new Set(filters.flatMap((filter) => [...(filter as readonly Cell[])]));
  return table.rows.filter((row) => allowed.has(row[rls.column] as Cell));
}
