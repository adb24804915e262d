// Just enough reading of Bicep source for the one module the compiler cannot build offline
// (modules/appRegistrations.bicep, Microsoft Graph extension): its declarations, its resources and
// their top-level properties as source text. Everything else is tested on compiled JSON.

export interface Declaration {
  name: string;
  type: string;
  /** Source text after `=`, or undefined (params without a default). */
  value: string | undefined;
}

export interface ResourceBlock {
  symbol: string;
  type: string;
  condition: string | undefined;
  /** Text between the braces. */
  body: string;
}

/** Index just past the string starting at `start` (a quote), following ${...} interpolations. */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === "'") return i + 1;
    else if (c === '$' && text[i + 1] === '{') i = skipCode(text, i + 2, '}');
    else i++;
  }
  throw new Error(`unterminated string at ${start}`);
}

/** Index just past the `close` that ends the code starting at `start`, nesting respected. */
function skipCode(text: string, start: number, close: string): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  let i = start;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === close) return i + 1;
    if (c === "'") i = skipString(text, i);
    else if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 2;
    else if (pairs[c]) i = skipCode(text, i + 1, pairs[c] as string);
    else i++;
  }
  throw new Error(`no ${close} after ${start}`);
}

/** Drops // comments (not inside strings) from source text. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === "'") {
      const end = skipString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (text[i] === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? text.length : newline;
    } else out += text[i++];
  }
  return out;
}

export function declarations(source: string, keyword: 'param' | 'output' | 'var'): Declaration[] {
  const result: Declaration[] = [];
  const pattern = keyword === 'var' ? /^var\s+(\w+)\s*=\s*/gm : new RegExp(`^${keyword}\\s+(\\w+)\\s+(\\w+)(\\s*=\\s*)?`, 'gm');
  for (const match of source.matchAll(pattern)) {
    const start = (match.index ?? 0) + match[0].length;
    const hasValue = keyword === 'var' || match[3] !== undefined;
    let value: string | undefined;
    if (hasValue) {
      const first = source[start];
      const end = first === '{' || first === '[' ? skipCode(source, start + 1, first === '{' ? '}' : ']') : source.indexOf('\n', start);
      value = stripComments(source.slice(start, end < 0 ? source.length : end)).trim();
    }
    result.push({ name: match[1] ?? '', type: keyword === 'var' ? 'var' : (match[2] ?? ''), value });
  }
  return result;
}

/** Every resource declaration, nested ones included. */
export function resourceBlocks(source: string): ResourceBlock[] {
  const result: ResourceBlock[] = [];
  for (const match of source.matchAll(/^\s*resource\s+(\w+)\s+'([^']+)'\s*=\s*(?:if\s*\((.*)\)\s*)?\{/gm)) {
    const open = (match.index ?? 0) + match[0].length;
    const close = skipCode(source, open, '}');
    result.push({ symbol: match[1] ?? '', type: match[2] ?? '', condition: match[3], body: source.slice(open, close - 1) });
  }
  return result;
}

/** Top-level `key: value` pairs of a block body; values as source text, comments dropped. */
export function properties(body: string): Map<string, string> {
  const result = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const rest = body.slice(i);
    const key = /^\s*(\w+)\s*:\s*/.exec(rest);
    const nested = /^\s*resource\s+\w+\s+'[^']+'\s*=\s*(?:if\s*\(.*\)\s*)?\{/.exec(rest);
    if (nested) {
      i = skipCode(body, i + nested[0].length, '}');
      continue;
    }
    if (key) {
      const start = i + key[0].length;
      const first = body[start];
      let end: number;
      if (first === '{' || first === '[') end = skipCode(body, start + 1, first === '{' ? '}' : ']');
      else {
        end = start;
        while (end < body.length && body[end] !== '\n' && !(body[end] === '/' && body[end + 1] === '/')) end = body[end] === "'" ? skipString(body, end) : end + 1;
      }
      result.set(key[1] ?? '', stripComments(body.slice(start, end)).trim());
      i = end;
      continue;
    }
    const newline = body.indexOf('\n', i);
    i = newline < 0 ? body.length : newline + 1;
  }
  return result;
}

/** Source text in one line: line breaks between items become commas, other whitespace goes. */
export const compact = (text: string | undefined): string =>
  (text ?? '')
    .trim()
    .replace(/\s*\n\s*/g, ',')
    .replace(/\s+/g, '')
    .replace(/([[{(]),+/g, '$1')
    .replace(/,+([\]})])/g, '$1')
    .replace(/,,+/g, ',');
