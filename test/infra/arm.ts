import { createHash } from 'node:crypto';

// A small evaluator of compiled ARM templates (what `bicep build` writes): it deploys a template on
// paper for one set of parameters, resolving parameters, variables, the template functions Bicep
// emits, nested deployments (modules) and their outputs. Values only the platform knows (a
// resource's runtime properties) stay symbolic as «type/name.property». A function it does not
// know fails the evaluation: extend FUNCTIONS rather than skipping.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Cloud {
  name: string;
  authentication: { loginEndpoint: string };
  suffixes: { storage: string; keyvaultDns: string };
}

export const CLOUDS: Record<'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud', Cloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    authentication: { loginEndpoint: 'https://login.microsoftonline.com/' },
    suffixes: { storage: 'core.windows.net', keyvaultDns: '.vault.azure.net' },
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    authentication: { loginEndpoint: 'https://login.microsoftonline.us/' },
    suffixes: { storage: 'core.usgovcloudapi.net', keyvaultDns: '.vault.usgovcloudapi.net' },
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    authentication: { loginEndpoint: 'https://login.chinacloudapi.cn/' },
    suffixes: { storage: 'core.chinacloudapi.cn', keyvaultDns: '.vault.azure.cn' },
  },
};

export const SUBSCRIPTION_ID = '11111111-1111-4111-8111-111111111111';
export const TENANT_ID = '22222222-2222-4222-8222-222222222222';
export const DEPLOYER_OBJECT_ID = '33333333-3333-4333-8333-333333333333';

/** A value known only once deployed: `reference(<resource>).<path>`. */
export class Runtime {
  constructor(readonly path: string) {}
  toString(): string {
    return `«${this.path}»`;
  }
}

/** The symbolic value of a deployed resource's runtime property, as the evaluator renders it. */
export const runtimeValue = (type: string, name: string, property: string): string => `«${type}/${name}.${property}»`;

export class TemplateError extends Error {}

type Value = Json | Runtime | Lambda | Value[] | { [key: string]: Value } | undefined;
interface Lambda {
  lambda: string[];
  body: Expr;
}

type Expr =
  | { kind: 'literal'; value: string | number }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'property'; target: Expr; name: string }
  | { kind: 'index'; target: Expr; index: Expr };

// ---- expression parsing ----

export function parseExpression(text: string): Expr {
  let at = 0;
  const fail = (why: string): never => {
    throw new TemplateError(`${why} at ${at} in ${text}`);
  };
  const space = () => {
    while (/\s/.test(text[at] ?? '')) at++;
  };
  const primary = (): Expr => {
    space();
    const c = text[at];
    if (c === "'") {
      let value = '';
      at++;
      for (;;) {
        if (at >= text.length) fail('unterminated string');
        if (text[at] === "'") {
          if (text[at + 1] === "'") {
            value += "'";
            at += 2;
            continue;
          }
          at++;
          break;
        }
        value += text[at++];
      }
      return { kind: 'literal', value };
    }
    const number = /^-?\d+/.exec(text.slice(at));
    if (number) {
      at += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_$][\w$#.]*?(?=\s*\()/.exec(text.slice(at));
    if (!name) return fail('expected a function call');
    at += name[0].length;
    space();
    at++; // (
    const args: Expr[] = [];
    space();
    if (text[at] === ')') at++;
    else
      for (;;) {
        args.push(expression());
        space();
        if (text[at] === ',') at++;
        else if (text[at] === ')') {
          at++;
          break;
        } else fail('expected , or )');
      }
    return { kind: 'call', name: name[0], args };
  };
  const expression = (): Expr => {
    let node = primary();
    for (;;) {
      space();
      if (text[at] === '.') {
        at++;
        const prop = /^[\w$#-]+/.exec(text.slice(at));
        if (!prop) fail('expected a property name');
        at += prop![0].length;
        node = { kind: 'property', target: node, name: prop![0] };
      } else if (text[at] === '[') {
        at++;
        const index = expression();
        space();
        if (text[at] !== ']') fail('expected ]');
        at++;
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const result = expression();
  space();
  if (at !== text.length) fail('trailing text');
  return result;
}

// ---- template model ----

interface TemplateParameter {
  type: string;
  defaultValue?: Json;
  allowedValues?: Json[];
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
}

export interface Template {
  languageVersion?: string;
  parameters?: Record<string, TemplateParameter>;
  variables?: Record<string, Json>;
  resources: Record<string, TemplateResource> | TemplateResource[];
  outputs?: Record<string, { type: string; value?: Json }>;
}

interface TemplateResource {
  type: string;
  apiVersion: string;
  name: string;
  condition?: Json;
  copy?: Json;
  scope?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  properties?: Record<string, Json>;
  [key: string]: Json | undefined;
}

/** A resource of the evaluated deployment, every expression resolved. */
export interface Deployed {
  type: string;
  apiVersion: string;
  name: string;
  /** Resource group it lands in; undefined at subscription scope. */
  resourceGroup: string | undefined;
  /** For extension resources (role assignments): the type/name of the resource they apply to. */
  scope: string | undefined;
  /** Module path, e.g. ['functionApp']; [] for the top-level template. */
  module: string[];
  body: Record<string, Json>;
}

export interface Deployment {
  resources: Deployed[];
  outputs: Record<string, Json>;
  /** Parameter values each module was given, by module path joined with '/'. */
  moduleParameters: Record<string, Record<string, Json>>;
}

interface Context {
  template: Template;
  parameters: Record<string, Value>;
  variables: Map<string, Value>;
  lambdaVariables: Map<string, Value>;
  resourceGroup: string | undefined;
  module: string[];
  cloud: Cloud;
  /** Nested deployments of this template, evaluated on first reference. */
  deployments: Map<string, () => Deployment>;
  sink: Deployment;
}

const templateResources = (template: Template): TemplateResource[] =>
  Array.isArray(template.resources) ? template.resources : Object.values(template.resources);

const hash = (...parts: string[]): Buffer => createHash('sha256').update(parts.join('\u0000')).digest();

/** Deterministic stand-in of ARM's uniqueString(): 13 lowercase base-32 characters. */
export function uniqueString(...parts: string[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...hash(...parts).subarray(0, 13)].map((byte) => alphabet[byte % 32]).join('');
}

/** Deterministic stand-in of ARM's guid(). */
export function guid(...parts: string[]): string {
  const h = hash(...parts).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const isObject = (value: Value): value is { [key: string]: Value } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Runtime) && !('lambda' in value && 'body' in value);

const str = (value: Value): string => {
  if (typeof value === 'string') return value;
  if (value instanceof Runtime) return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`expected a string, got ${JSON.stringify(value)}`);
};

const bool = (value: Value): boolean => {
  if (typeof value === 'boolean') return value;
  throw new TemplateError(`expected a bool, got ${value instanceof Runtime ? value.toString() : JSON.stringify(value)}`);
};

const arr = (value: Value): Value[] => {
  if (Array.isArray(value)) return value;
  throw new TemplateError(`expected an array, got ${JSON.stringify(value)}`);
};

function deepEqual(a: Value, b: Value): boolean {
  if (a instanceof Runtime || b instanceof Runtime) {
    if (a instanceof Runtime && b instanceof Runtime && a.path === b.path) return true;
    throw new TemplateError(`cannot compare a runtime value: ${String(a)} = ${String(b)}`);
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function isEmpty(value: Value): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  if (value instanceof Runtime) throw new TemplateError(`empty() of a runtime value ${value.toString()}`);
  return false;
}

function access(target: Value, key: string | number): Value {
  if (target instanceof Runtime) return new Runtime(`${target.path}.${key}`);
  if (Array.isArray(target) && typeof key === 'number') return target[key];
  if (isObject(target) && typeof key === 'string') {
    const found = Object.keys(target).find((k) => k.toLowerCase() === key.toLowerCase());
    if (found === undefined) throw new TemplateError(`no property ${key} in ${JSON.stringify(target)}`);
    return target[found];
  }
  throw new TemplateError(`cannot read ${String(key)} of ${JSON.stringify(target)}`);
}

function formatString(template: string, args: Value[]): string {
  return template.replace(/\{(\d+)\}/g, (_, index: string) => str(args[Number(index)]));
}

/** Resource id in the template's own scope. */
function resourceIdIn(ctx: Context, type: string, names: string[]): string {
  const segments = type.split('/');
  const namespace = segments[0];
  const typeSegments = segments.slice(1);
  const path = typeSegments.map((segment, i) => `${segment}/${names[i] ?? ''}`).join('/');
  const scope = ctx.resourceGroup ? `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${ctx.resourceGroup}` : `/subscriptions/${SUBSCRIPTION_ID}`;
  return `${scope}/providers/${namespace}/${path}`;
}

/** type and name of a resource id: ("Microsoft.Web/sites/config", "func/appsettings"). */
export function parseResourceId(id: string): { type: string; name: string } {
  const providers = id.lastIndexOf('/providers/');
  const rest = (providers >= 0 ? id.slice(providers + '/providers/'.length) : id).split('/');
  const namespace = rest[0] ?? '';
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 1; i < rest.length; i += 2) {
    types.push(rest[i] ?? '');
    names.push(rest[i + 1] ?? '');
  }
  return { type: [namespace, ...types].join('/'), name: names.join('/') };
}

type Fn = (ctx: Context, args: Expr[]) => Value;
const eager =
  (fn: (ctx: Context, ...values: Value[]) => Value): Fn =>
  (ctx, args) =>
    fn(ctx, ...args.map((arg) => evaluate(ctx, arg)));

const FUNCTIONS: Record<string, Fn> = {
  parameters: eager((ctx, name) => {
    const key = str(name);
    if (!(key in ctx.parameters)) throw new TemplateError(`unknown parameter ${key}`);
    return ctx.parameters[key];
  }),
  variables: eager((ctx, name) => variable(ctx, str(name))),
  lambdaVariables: eager((ctx, name) => {
    const key = str(name);
    if (!ctx.lambdaVariables.has(key)) throw new TemplateError(`unknown lambda variable ${key}`);
    return ctx.lambdaVariables.get(key);
  }),
  lambda: (_ctx, args) => ({
    lambda: args.slice(0, -1).map((arg) => (arg.kind === 'literal' ? String(arg.value) : '')),
    body: args[args.length - 1] as Expr,
  }),
  map: (ctx, args) => {
    const [items, fn] = [arr(evaluate(ctx, args[0] as Expr)), evaluate(ctx, args[1] as Expr) as Lambda];
    return items.map((item, i) => applyLambda(ctx, fn, [item, i]));
  },
  filter: (ctx, args) => {
    const [items, fn] = [arr(evaluate(ctx, args[0] as Expr)), evaluate(ctx, args[1] as Expr) as Lambda];
    return items.filter((item, i) => bool(applyLambda(ctx, fn, [item, i])));
  },
  if: (ctx, args) => (bool(evaluate(ctx, args[0] as Expr)) ? evaluate(ctx, args[1] as Expr) : evaluate(ctx, args[2] as Expr)),
  and: (ctx, args) => args.every((arg) => bool(evaluate(ctx, arg))),
  or: (ctx, args) => args.some((arg) => bool(evaluate(ctx, arg))),
  not: eager((_ctx, value) => !bool(value)),
  equals: eager((_ctx, a, b) => deepEqual(a, b)),
  empty: eager((_ctx, value) => isEmpty(value)),
  contains: eager((_ctx, container, item) => {
    if (typeof container === 'string') return container.toLowerCase().includes(str(item).toLowerCase());
    if (Array.isArray(container)) return container.some((value) => deepEqual(value, item));
    if (isObject(container)) return Object.keys(container).some((key) => key.toLowerCase() === str(item).toLowerCase());
    throw new TemplateError('contains() of a runtime value');
  }),
  length: eager((_ctx, value) => (isObject(value) ? Object.keys(value).length : typeof value === 'string' || Array.isArray(value) ? value.length : NaN)),
  coalesce: eager((_ctx, ...values) => values.find((value) => value !== null && value !== undefined) ?? null),
  tryGet: eager((_ctx, target, ...keys) => {
    let current: Value = target;
    for (const key of keys) {
      if (current === null || current === undefined) return null;
      if (current instanceof Runtime) return access(current, str(key));
      if (isObject(current)) {
        const found = Object.keys(current).find((k) => k.toLowerCase() === str(key).toLowerCase());
        current = found === undefined ? null : current[found];
      } else if (Array.isArray(current) && typeof key === 'number') current = current[key] ?? null;
      else return null;
    }
    return current ?? null;
  }),
  null: () => null,
  true: () => true,
  false: () => false,
  string: eager((_ctx, value) => (typeof value === 'string' ? value : value instanceof Runtime ? value.toString() : JSON.stringify(value))),
  int: eager((_ctx, value) => Number.parseInt(str(value), 10)),
  bool: eager((_ctx, value) => (typeof value === 'string' ? value.toLowerCase() === 'true' : Boolean(value))),
  format: eager((_ctx, template, ...args) => formatString(str(template), args)),
  concat: eager((_ctx, ...values) => (values.every(Array.isArray) ? values.flat() : values.map(str).join(''))),
  toLower: eager((_ctx, value) => str(value).toLowerCase()),
  toUpper: eager((_ctx, value) => str(value).toUpperCase()),
  trim: eager((_ctx, value) => str(value).trim()),
  take: eager((_ctx, value, count) => (Array.isArray(value) ? value.slice(0, Number(count)) : str(value).slice(0, Number(count)))),
  skip: eager((_ctx, value, count) => (Array.isArray(value) ? value.slice(Number(count)) : str(value).slice(Number(count)))),
  split: eager((_ctx, value, separator) => str(value).split(str(separator))),
  join: eager((_ctx, values, separator) => arr(values).map(str).join(str(separator))),
  replace: eager((_ctx, value, from, to) => str(value).split(str(from)).join(str(to))),
  startsWith: eager((_ctx, value, prefix) => str(value).toLowerCase().startsWith(str(prefix).toLowerCase())),
  endsWith: eager((_ctx, value, suffix) => str(value).toLowerCase().endsWith(str(suffix).toLowerCase())),
  first: eager((_ctx, value) => (Array.isArray(value) ? value[0] : str(value)[0])),
  last: eager((_ctx, value) => (Array.isArray(value) ? value[value.length - 1] : str(value).slice(-1))),
  base64ToString: eager((_ctx, value) => Buffer.from(str(value), 'base64').toString('utf8')),
  base64: eager((_ctx, value) => Buffer.from(str(value), 'utf8').toString('base64')),
  createArray: eager((_ctx, ...values) => values),
  createObject: eager((_ctx, ...values) => {
    const result: Record<string, Value> = {};
    for (let i = 0; i < values.length; i += 2) result[str(values[i])] = values[i + 1];
    return result;
  }),
  union: eager((_ctx, ...values) => {
    if (values.every(Array.isArray)) return [...new Set(values.flat().map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v) as Json);
    return Object.assign({}, ...values.map((value) => (isObject(value) ? value : {}))) as Value;
  }),
  items: eager((_ctx, value) => (isObject(value) ? Object.entries(value).map(([key, v]) => ({ key, value: v })) : [])),
  uniqueString: eager((_ctx, ...values) => uniqueString(...values.map(str))),
  guid: eager((_ctx, ...values) => guid(...values.map(str))),
  subscription: () => ({ id: `/subscriptions/${SUBSCRIPTION_ID}`, subscriptionId: SUBSCRIPTION_ID, tenantId: TENANT_ID }),
  tenant: () => ({ tenantId: TENANT_ID }),
  deployer: () => ({ objectId: DEPLOYER_OBJECT_ID, tenantId: TENANT_ID }),
  environment: (ctx) => ctx.cloud as unknown as Value,
  resourceGroup: (ctx) => {
    if (!ctx.resourceGroup) throw new TemplateError('resourceGroup() at subscription scope');
    return { name: ctx.resourceGroup, id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${ctx.resourceGroup}` };
  },
  resourceId: eager((ctx, ...values) => resourceIdIn(ctx, str(values[0]), values.slice(1).map(str))),
  subscriptionResourceId: eager((_ctx, type, ...names) => {
    const parsed = `/subscriptions/${SUBSCRIPTION_ID}/providers/${str(type).split('/')[0]}/`;
    const types = str(type).split('/').slice(1);
    return parsed + types.map((t, i) => `${t}/${str(names[i])}`).join('/');
  }),
  extensionResourceId: eager((_ctx, scope, type, ...names) => {
    const types = str(type).split('/');
    return `${str(scope)}/providers/${types[0]}/${types
      .slice(1)
      .map((t, i) => `${t}/${str(names[i])}`)
      .join('/')}`;
  }),
  reference: eager((ctx, id) => reference(ctx, str(id))),
};

// list*() functions return secrets: render them so a test can find them.
const SECRET_FUNCTION = /^list/i;

function variable(ctx: Context, name: string): Value {
  if (ctx.variables.has(name)) return ctx.variables.get(name);
  const raw = ctx.template.variables?.[name];
  if (raw === undefined) throw new TemplateError(`unknown variable ${name}`);
  const value = evaluateValue(ctx, raw);
  ctx.variables.set(name, value);
  return value;
}

function applyLambda(ctx: Context, fn: Lambda, args: Value[]): Value {
  const inner: Context = { ...ctx, lambdaVariables: new Map(ctx.lambdaVariables) };
  fn.lambda.forEach((name, i) => inner.lambdaVariables.set(name, args[i]));
  return evaluate(inner, fn.body);
}

function reference(ctx: Context, id: string): Value {
  const { type, name } = parseResourceId(id);
  if (type === 'Microsoft.Resources/deployments') {
    const deploy = ctx.deployments.get(name);
    if (!deploy) throw new TemplateError(`reference to unknown module ${name}`);
    const outputs = deploy().outputs;
    return { outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { value }])) };
  }
  return new Runtime(`${type}/${name}`);
}

function evaluate(ctx: Context, expr: Expr): Value {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'property':
      return access(evaluate(ctx, expr.target), expr.name);
    case 'index': {
      const index = evaluate(ctx, expr.index);
      return access(evaluate(ctx, expr.target), typeof index === 'number' ? index : str(index));
    }
    case 'call': {
      const fn = FUNCTIONS[expr.name] ?? FUNCTIONS[Object.keys(FUNCTIONS).find((key) => key.toLowerCase() === expr.name.toLowerCase()) ?? ''];
      if (fn) return fn(ctx, expr.args);
      if (SECRET_FUNCTION.test(expr.name)) return new Runtime(`secret:${expr.name}`);
      throw new TemplateError(`the evaluator does not know the template function ${expr.name}()`);
    }
  }
}

/** Evaluates a JSON value of the template: strings in [brackets] are expressions. */
function evaluateValue(ctx: Context, raw: Json | undefined): Value {
  if (typeof raw === 'string') {
    if (raw.startsWith('[[')) return raw.slice(1);
    if (raw.startsWith('[') && raw.endsWith(']')) return evaluate(ctx, parseExpression(raw.slice(1, -1)));
    return raw;
  }
  if (Array.isArray(raw)) return raw.map((item) => evaluateValue(ctx, item));
  if (raw && typeof raw === 'object') {
    if ('copy' in raw) throw new TemplateError('property copy loops are not supported by the evaluator yet');
    return Object.fromEntries(Object.entries(raw).map(([key, value]) => [str(evaluateValue(ctx, key)), evaluateValue(ctx, value)]));
  }
  return raw ?? null;
}

/** Runtime values become their «symbolic» strings. */
function toJson(value: Value): Json {
  if (value instanceof Runtime) return value.toString();
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    if ('lambda' in value && 'body' in value) throw new TemplateError('a lambda is not a value');
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, toJson(v as Value)]));
  }
  return value;
}

function bindParameters(ctx: Context, given: Record<string, Value>): void {
  const declared = ctx.template.parameters ?? {};
  for (const name of Object.keys(given)) if (!(name in declared)) throw new TemplateError(`${ctx.module.join('/') || 'main'}: unknown parameter ${name}`);
  for (const [name, spec] of Object.entries(declared)) {
    let value: Value;
    if (name in given) value = given[name];
    else if ('defaultValue' in spec) value = evaluateValue(ctx, spec.defaultValue);
    else throw new TemplateError(`${ctx.module.join('/') || 'main'}: parameter ${name} has no value`);
    checkParameter(ctx, name, spec, value);
    ctx.parameters[name] = value;
  }
}

function checkParameter(ctx: Context, name: string, spec: TemplateParameter, value: Value): void {
  const where = `${ctx.module.join('/') || 'main'}: parameter ${name}`;
  if (value instanceof Runtime) return;
  const type = spec.type.toLowerCase();
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? 'int' : typeof value === 'boolean' ? 'bool' : typeof value;
  const expected = type === 'securestring' ? 'string' : type === 'secureobject' ? 'object' : type;
  if (actual !== expected) throw new TemplateError(`${where} is ${actual}, declared ${spec.type}`);
  if (spec.allowedValues && !spec.allowedValues.some((allowed) => deepEqual(allowed, value))) throw new TemplateError(`${where}: ${JSON.stringify(value)} is not allowed`);
  if (typeof value === 'number') {
    if (spec.minValue !== undefined && value < spec.minValue) throw new TemplateError(`${where}: below ${spec.minValue}`);
    if (spec.maxValue !== undefined && value > spec.maxValue) throw new TemplateError(`${where}: above ${spec.maxValue}`);
  }
  if (typeof value === 'string' || Array.isArray(value)) {
    if (spec.minLength !== undefined && value.length < spec.minLength) throw new TemplateError(`${where}: shorter than ${spec.minLength}`);
    if (spec.maxLength !== undefined && value.length > spec.maxLength) throw new TemplateError(`${where}: longer than ${spec.maxLength}`);
  }
}

function run(template: Template, given: Record<string, Value>, outer: Pick<Context, 'cloud' | 'sink'>, resourceGroup: string | undefined, module: string[]): Deployment {
  const ctx: Context = {
    template,
    parameters: {},
    variables: new Map(),
    lambdaVariables: new Map(),
    resourceGroup,
    module,
    cloud: outer.cloud,
    deployments: new Map(),
    sink: outer.sink,
  };
  bindParameters(ctx, given);
  const resources = templateResources(template);

  for (const resource of resources) {
    if (resource.copy !== undefined) throw new TemplateError('resource copy loops are not supported by the evaluator yet');
    if (resource.type !== 'Microsoft.Resources/deployments') continue;
    const name = str(evaluateValue(ctx, resource.name));
    let memo: Deployment | undefined;
    ctx.deployments.set(name, () => {
      if (memo) return memo;
      const properties = resource.properties ?? {};
      const inner = properties.template as unknown as Template | undefined;
      if (!inner) throw new TemplateError(`module ${name} has no inline template`);
      const scope = (properties.expressionEvaluationOptions as { scope?: string } | undefined)?.scope;
      if (scope !== 'inner') throw new TemplateError(`module ${name}: only inner-scoped nested deployments are supported`);
      // Each parameter is { value } or an expression that yields it.
      const given = toJson(evaluateValue(ctx, properties.parameters ?? {})) as Record<string, { value?: Json }>;
      const parameters = Object.fromEntries(Object.entries(given).map(([key, spec]) => [key, spec.value ?? null]));
      const path = [...module, name];
      outer.sink.moduleParameters[path.join('/')] = parameters;
      const group = resource.resourceGroup !== undefined ? str(evaluateValue(ctx, resource.resourceGroup)) : resourceGroup;
      memo = run(inner, parameters, outer, group, path);
      return memo;
    });
  }

  for (const resource of resources) {
    if (resource.condition !== undefined && !bool(evaluateValue(ctx, resource.condition))) continue;
    if (resource.type === 'Microsoft.Resources/deployments') {
      ctx.deployments.get(str(evaluateValue(ctx, resource.name)))?.();
      continue;
    }
    const body = toJson(evaluateValue(ctx, Object.fromEntries(Object.entries(resource).filter(([key]) => !['dependsOn', 'condition'].includes(key))) as Json)) as Record<string, Json>;
    const scopeText = typeof body.scope === 'string' ? body.scope : undefined;
    outer.sink.resources.push({
      type: resource.type,
      apiVersion: resource.apiVersion,
      name: String(body.name),
      resourceGroup,
      scope: scopeText === undefined ? undefined : scopeText.startsWith('/') ? Object.values(parseResourceId(scopeText)).join('/') : scopeText,
      module,
      body,
    });
  }

  const outputs: Record<string, Json> = {};
  for (const [name, output] of Object.entries(template.outputs ?? {})) outputs[name] = toJson(evaluateValue(ctx, output.value));
  return { resources: [], outputs, moduleParameters: {} };
}

/** Deploys a compiled template on paper: every resource that would be deployed, and the outputs. */
export function deploy(template: Template, parameters: Record<string, Json>, cloud: Cloud = CLOUDS.AzureCloud): Deployment {
  const sink: Deployment = { resources: [], outputs: {}, moduleParameters: {} };
  const top = run(template, parameters, { cloud, sink }, undefined, []);
  sink.outputs = top.outputs;
  return sink;
}
