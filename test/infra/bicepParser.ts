import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';
import type { Node } from 'web-tree-sitter';

// Offline Bicep syntax checks: no Bicep compiler can be installed here, so the templates are
// parsed with tree-sitter-bicep's wasm grammar. This catches syntax errors and lets tests query
// the tree; types, API versions and symbol references are NOT checked.

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export interface SyntaxProblem extends SourceLocation {
  kind: 'ERROR' | 'MISSING';
  snippet: string;
}

export interface ExtensionStatement extends SourceLocation {
  name: string;
}

export interface BicepFile {
  file: string;
  source: string;
  root: Node;
  /** `extension x` statements, which the grammar predates (see maskExtensionStatements). */
  extensions: ExtensionStatement[];
}

export interface ResourceDeclaration {
  symbol: string;
  /** Full type without API version, nested types expanded: `Microsoft.Web/sites/config`. */
  type: string;
  apiVersion: string;
  existing: boolean;
  /** The declaration's object body (inside `if (...)` or a `for` loop when there is one). */
  body: Node | null;
  node: Node;
}

const EXTENSION_STATEMENT = /^(\s*)extension\s+([A-Za-z_][A-Za-z0-9_]*|'[^'\r\n]*')\s*(\/\/.*)?$/;

/**
 * tree-sitter-bicep 1.1.0 predates Bicep's `extension <alias>` statement (it knows the older
 * `import`/`provider` forms), so such lines would parse as ERROR. A line that is exactly
 * `extension <alias-or-'ref'>` is recorded and blanked with spaces (positions are kept); any other
 * use of the keyword, e.g. `extension x with {...}`, is left in place and fails the parse.
 */
export function maskExtensionStatements(file: string, source: string): { masked: string; extensions: ExtensionStatement[] } {
  const extensions: ExtensionStatement[] = [];
  const lines = source.split('\n');
  const masked = lines.map((line, index) => {
    const match = EXTENSION_STATEMENT.exec(line.replace(/\r$/, ''));
    const name = match?.[2];
    if (name === undefined) return line;
    extensions.push({ file, line: index + 1, column: (match?.[1] ?? '').length + 1, name: name.replace(/^'|'$/g, '') });
    return ' '.repeat(line.length);
  });
  return { masked: masked.join('\n'), extensions };
}

export async function createBicepParser(): Promise<(file: string) => BicepFile> {
  await Parser.init();
  const wasm = readFileSync(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
  const language = await Language.load(new Uint8Array(wasm));
  const parser = new Parser();
  parser.setLanguage(language);
  return (file) => {
    const source = readFileSync(file, 'utf8');
    const { masked, extensions } = maskExtensionStatements(file, source);
    const tree = parser.parse(masked);
    if (tree === null) throw new Error(`tree-sitter returned no tree for ${file}`);
    return { file, source, root: tree.rootNode, extensions };
  };
}

export function findBicepFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.bicep'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

export function syntaxProblems(parsed: BicepFile): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      const line = parsed.source.split('\n')[node.startPosition.row] ?? '';
      problems.push({
        file: parsed.file,
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        snippet: node.isMissing ? `missing ${node.type} in: ${line.trim()}` : line.trim(),
      });
      if (node.isError) return;
    }
    if (node.hasError) for (const child of node.children) visit(child);
  };
  visit(parsed.root);
  return problems;
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** The value of a string literal without interpolation, escapes resolved; otherwise null. */
export function stringValue(node: Node | null | undefined): string | null {
  if (!node || node.type !== 'string') return null;
  let value = '';
  for (const child of node.namedChildren) {
    if (child.type === 'string_content') value += child.text;
    else if (child.type === 'escape_sequence') value += unescape(child.text);
    else return null;
  }
  return value;
}

function unescape(sequence: string): string {
  const escapes: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };
  return escapes[sequence] ?? sequence;
}

/** Key of an object property: identifier text or string literal value. */
export function propertyKey(property: Node): string | null {
  const key = property.namedChild(0);
  if (!key) return null;
  return key.type === 'string' ? stringValue(key) : key.text;
}

export function objectProperties(object: Node | null | undefined): Map<string, Node> {
  const properties = new Map<string, Node>();
  if (!object || object.type !== 'object') return properties;
  for (const property of object.namedChildren) {
    if (property.type !== 'object_property') continue;
    const key = propertyKey(property);
    const value = property.lastNamedChild;
    if (key !== null && value && property.namedChildCount > 1) properties.set(key, value);
  }
  return properties;
}

/** Follow a dotted path of object properties: `propertyAt(body, 'properties', 'httpsOnly')`. */
export function propertyAt(object: Node | null | undefined, ...keys: string[]): Node | null {
  let current: Node | null | undefined = object;
  for (const key of keys) {
    current = objectProperties(current).get(key);
    if (!current) return null;
  }
  return current ?? null;
}

function declarationBody(declaration: Node): Node | null {
  const value = declaration.lastNamedChild;
  if (!value) return null;
  if (value.type === 'object') return value;
  if (value.type === 'if_statement') return value.namedChildren.find((child) => child.type === 'object') ?? null;
  if (value.type === 'for_statement') {
    const body = value.childForFieldName('body');
    if (body?.type === 'object') return body;
    if (body?.type === 'if_statement') return body.namedChildren.find((child) => child.type === 'object') ?? null;
  }
  return null;
}

function resourceTypeParts(declaration: Node): { type: string; apiVersion: string } {
  const literal = stringValue(declaration.namedChildren.find((child) => child.type === 'string')) ?? '';
  const at = literal.indexOf('@');
  return at < 0 ? { type: literal, apiVersion: '' } : { type: literal.slice(0, at), apiVersion: literal.slice(at + 1) };
}

function fullResourceType(declaration: Node): string {
  const { type } = resourceTypeParts(declaration);
  // A nested child resource names only its own segment ('config'); a fully qualified type starts
  // with a provider namespace.
  if (type.includes('/')) return type;
  for (let ancestor = declaration.parent; ancestor; ancestor = ancestor.parent) {
    if (ancestor.type === 'resource_declaration') return `${fullResourceType(ancestor)}/${type}`;
  }
  return type;
}

export function resources(parsed: BicepFile): ResourceDeclaration[] {
  return parsed.root.descendantsOfType('resource_declaration').map((node) => ({
    symbol: node.namedChildren.find((child) => child.type === 'identifier')?.text ?? '',
    type: fullResourceType(node),
    apiVersion: resourceTypeParts(node).apiVersion,
    existing: node.children.some((child) => child.type === 'existing'),
    body: declarationBody(node),
    node,
  }));
}

/** Top-level `var` declarations: name -> value expression. */
export function variables(parsed: BicepFile): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const declaration of parsed.root.namedChildren) {
    if (declaration.type !== 'variable_declaration') continue;
    const [name, value] = declaration.namedChildren.filter((child) => child.type !== 'comment');
    if (name && value) found.set(name.text, value);
  }
  return found;
}

export interface ParameterDeclaration {
  name: string;
  defaultValue: Node | null;
  /** Values of `@allowed([...])` string literals, or null without the decorator. */
  allowed: string[] | null;
}

export function parameters(parsed: BicepFile): ParameterDeclaration[] {
  const found: ParameterDeclaration[] = [];
  for (const declaration of parsed.root.namedChildren) {
    if (declaration.type !== 'parameter_declaration') continue;
    const named = declaration.namedChildren.filter((child) => child.type !== 'comment');
    const name = named[0]?.text ?? '';
    const defaultValue = declaration.children.some((child) => child.type === '=') ? (declaration.lastNamedChild ?? null) : null;
    found.push({ name, defaultValue, allowed: allowedValues(declaration) });
  }
  return found;
}

function allowedValues(declaration: Node): string[] | null {
  // Decorators are a statement of their own just before the declaration.
  let sibling = declaration.previousNamedSibling;
  while (sibling?.type === 'comment') sibling = sibling.previousNamedSibling;
  if (sibling?.type !== 'decorators') return null;
  for (const decorator of sibling.namedChildren) {
    const call = decorator.namedChildren.find((child) => child.type === 'call_expression');
    if (call?.childForFieldName('function')?.text !== 'allowed') continue;
    const list = call.childForFieldName('arguments')?.namedChildren.find((child) => child.type === 'array');
    return (list?.namedChildren ?? []).map((item) => stringValue(item) ?? item.text);
  }
  return null;
}

/**
 * Names an expression can produce as object keys: object literals, `union(...)` arguments, both
 * branches of `a ? b : c`, parentheses, and top-level `var`s they name. Arrays of
 * `{ name: '...', value: ... }` (siteConfig.appSettings form) contribute their `name`s.
 */
export function settingNames(expression: Node | null, vars: Map<string, Node>, seen = new Set<string>()): Set<string> {
  const names = new Set<string>();
  const add = (more: Iterable<string>): void => {
    for (const name of more) names.add(name);
  };
  if (!expression) return names;
  switch (expression.type) {
    case 'object':
      add(objectProperties(expression).keys());
      break;
    case 'array':
      for (const item of expression.namedChildren) {
        const name = stringValue(propertyAt(item, 'name'));
        if (name !== null) names.add(name);
      }
      break;
    case 'call_expression':
      for (const argument of expression.childForFieldName('arguments')?.namedChildren ?? []) add(settingNames(argument, vars, seen));
      break;
    case 'ternary_expression':
      add(settingNames(expression.childForFieldName('consequence'), vars, seen));
      add(settingNames(expression.childForFieldName('alternative'), vars, seen));
      break;
    case 'parenthesized_expression':
      for (const inner of expression.namedChildren) add(settingNames(inner, vars, seen));
      break;
    case 'identifier': {
      const value = vars.get(expression.text);
      if (value && !seen.has(expression.text)) add(settingNames(value, vars, new Set([...seen, expression.text])));
      break;
    }
    default:
      break;
  }
  return names;
}

/** App-setting names of every `Microsoft.Web/sites/config` 'appsettings' resource and every
 * site's `siteConfig.appSettings` in the file. */
export function appSettingNames(parsed: BicepFile): Set<string> {
  const vars = variables(parsed);
  const names = new Set<string>();
  for (const resource of resources(parsed)) {
    let expression: Node | null = null;
    if (resource.type === 'Microsoft.Web/sites/config' && stringValue(propertyAt(resource.body, 'name')) === 'appsettings') {
      expression = propertyAt(resource.body, 'properties');
    } else if (resource.type === 'Microsoft.Web/sites') {
      expression = propertyAt(resource.body, 'properties', 'siteConfig', 'appSettings');
    }
    for (const name of settingNames(expression, vars)) names.add(name);
  }
  return names;
}
