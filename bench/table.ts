// Plain-text tables: first column left-aligned, the rest right-aligned, two spaces apart.

export type Cell = string | number;

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, col) => Math.max(...text.map((row) => (row[col] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = text;
  return [line(head ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Milliseconds with one decimal; a dash where there is no figure. */
export function ms(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1);
}

/** `label  value` lines with the values lined up. */
export function formatPairs(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

/** A Markdown table (GitHub flavour): the first column left-aligned, the rest right-aligned; `|` in a cell is escaped. */
export function formatMarkdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const line = (row: readonly Cell[]) => `| ${headers.map((_, col) => String(row[col] ?? '').replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = `| ${headers.map((_, col) => (col === 0 ? '---' : '---:')).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** `a / b` as `12.3×`, or a dash when either figure is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** A whole number with thousands separators (1,234), or a dash. */
export function count(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : Math.round(value).toLocaleString('en-US');
}
