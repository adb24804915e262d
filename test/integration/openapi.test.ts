import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BrokerError, ERROR_CODES, type ErrorCode } from '../../shared/errors/brokerError';
import { toProblemDetails } from '../../shared/http/problemResponse';
import { ITEM_KEY_PATTERN } from '../../shared/policy/authorizeEmbed';
import { recorded } from '../helpers/functionsCore';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';
import { isObject, OpenApiDocument, pointerOf, type Json } from '../helpers/openapi';

// openapi.yaml describes what the app serves: real answers of the running app (the function
// files under the local host, against the emulators) are checked against it, and the routes the
// function files register are compared with the documented paths, both ways.

const spec = OpenApiDocument.load();
const hostJson = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'host.json'), 'utf8')) as { extensions?: { http?: { routePrefix?: string } } };
const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';

function objectAt(pointer: string): Record<string, Json> {
  const value = spec.at(pointer);
  return isObject(value) ? value : {};
}

/** Pointers of every response object in the document: per operation, shared, and the host's. */
function responsePointers(): string[] {
  const pointers: string[] = [];
  for (const op of spec.operations()) pointers.push(...Object.keys(objectAt(`${op.pointer}/responses`)).map((status) => `${op.pointer}/responses/${status}`));
  pointers.push(...Object.keys(objectAt('/components/responses')).map((name) => pointerOf('components', 'responses', name)));
  pointers.push(...Object.keys(objectAt('/x-host-responses')).map((status) => pointerOf('x-host-responses', status)));
  return pointers;
}

/** Every schema in the document, with the examples documented beside it. */
function schemasWithExamples(): { schema: string; examples: Json[] }[] {
  const found: { schema: string; examples: Json[] }[] = [];
  for (const name of Object.keys(objectAt('/components/schemas'))) {
    const pointer = pointerOf('components', 'schemas', name);
    const examples = objectAt(pointer).examples;
    found.push({ schema: pointer, examples: Array.isArray(examples) ? examples : [] });
  }
  for (const pointer of responsePointers()) {
    const response = spec.deref(pointer);
    for (const name of Object.keys(objectAt(`${response.pointer}/headers`))) found.push({ schema: `${spec.deref(`${response.pointer}/headers/${name}`).pointer}/schema`, examples: [] });
    for (const mediaType of Object.keys(objectAt(`${response.pointer}/content`))) {
      const media = `${response.pointer}/content/${mediaType.replace(/\//g, '~1')}`;
      const example = objectAt(media).example;
      found.push({ schema: `${media}/schema`, examples: example === undefined ? [] : [example] });
    }
  }
  for (const name of Object.keys(objectAt('/components/parameters'))) {
    const pointer = pointerOf('components', 'parameters', name);
    const example = objectAt(pointer).example;
    found.push({ schema: `${pointer}/schema`, examples: example === undefined ? [] : [example] });
  }
  return found;
}

/** A concrete request path for a documented one, each path parameter given its documented example. */
function examplePath(path: string, operationPointer: string): string {
  const parameters = spec.at(`${operationPointer}/parameters`);
  const values = new Map<string, string>();
  (Array.isArray(parameters) ? parameters : []).forEach((_, i) => {
    const parameter = spec.deref(`${operationPointer}/parameters/${i}`).value;
    if (parameter.in === 'path' && typeof parameter.name === 'string') values.set(parameter.name, String(parameter.example));
  });
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values.get(name) ?? 'x'));
}

/** A registered function's route template as the document writes it: `embed/reports/{key:alpha?}` → `/api/embed/reports/{key}`. */
function documentedPathOf(route: string): string {
  const template = route.replace(/^\/+|\/+$/g, '').replace(/\{\*?([A-Za-z_]\w*)(?::[a-z]+)?\??\}/g, '{$1}');
  return `/${[routePrefix.replace(/^\/+|\/+$/g, ''), template].filter((s) => s !== '').join('/')}`;
}

const KEY_PARAMETER = '/components/parameters/ItemKey/schema';

interface Exchange {
  name: string;
  method?: string;
  path: string;
  /** A demo user whose bearer token is sent; `'new'` adds a fresh sales user so no cached token answers. */
  user?: string;
  authorization?: string;
  before?: (app: TestApp) => void;
  status: number;
  code?: ErrorCode;
  /** The response object the answer must be checked against, when it is one of the host's. */
  documentedAs?: string;
  headers?: Record<string, string | RegExp>;
  /** A JSON body to send. */
  body?: unknown;
}

const EXCHANGES: Exchange[] = [
  {
    name: 'readiness while Entra is down',
    path: '/api/health/ready',
    before: (app) => app.azure.entra.server.inject({ kind: 'status', status: 503, ratio: 1, path: '/oauth2/v2.0/token', body: { error: 'temporarily_unavailable' } }),
    status: 503,
  },
  { name: 'liveness', path: '/api/health', status: 200 },
  { name: 'alice embeds sales-overview', path: '/api/embed/reports/sales-overview', user: 'alice', status: 200 },
  { name: 'readiness', path: '/api/health/ready', status: 200 },
  { name: 'alice embeds Sales-Overview (keys are case-insensitive)', path: '/api/embed/reports/Sales-Overview', user: 'alice', status: 200 },
  { name: 'carol is refused sales-overview', path: '/api/embed/reports/sales-overview', user: 'carol', status: 403, code: 'forbidden' },
  { name: 'alice asks for an unknown key', path: '/api/embed/reports/no-such-report', user: 'alice', status: 404, code: 'not_found' },
  { name: 'alice sends a key that is not a name', path: '/api/embed/reports/sales_overview', user: 'alice', status: 400, code: 'bad_request' },
  { name: 'no token', path: '/api/embed/reports/sales-overview', status: 401, code: 'unauthenticated', headers: { 'www-authenticate': 'Bearer' } },
  { name: 'a token that is not a JWT', path: '/api/embed/reports/sales-overview', authorization: 'Bearer not.a.token', status: 401, code: 'unauthenticated', headers: { 'www-authenticate': /^Bearer error="invalid_token"/ } },
  { name: 'alice embeds two reports with one token', method: 'POST', path: '/api/embed', user: 'alice', body: { reports: [{ key: 'sales-overview', access: 'edit' }, { key: 'invoices' }] }, status: 200 },
  { name: 'alice asks to create', method: 'POST', path: '/api/embed', user: 'alice', body: { reports: [{ key: 'sales-overview', access: 'create' }] }, status: 403, code: 'forbidden' },
  { name: 'alice sends too many reports', method: 'POST', path: '/api/embed', user: 'alice', body: { reports: Array.from({ length: 51 }, (_, i) => ({ key: `r${i}` })) }, status: 400, code: 'bad_request' },
  { name: 'alice sends a body that is not JSON', method: 'POST', path: '/api/embed', user: 'alice', body: '{', status: 400, code: 'invalid_json' },
  { name: 'alice embeds an unknown key with the multi-item call', method: 'POST', path: '/api/embed', user: 'alice', body: { reports: [{ key: 'nope' }] }, status: 404, code: 'not_found' },
  { name: 'alice embeds the dashboard', path: '/api/embed/dashboards/sales-dashboard', user: 'alice', status: 200 },
  { name: 'alice embeds a tile', path: '/api/embed/dashboards/sales-dashboard/tiles/5a1e5000-0000-4000-8000-0000000000c1', user: 'alice', status: 200 },
  { name: 'alice sends a tile id that is not a GUID', path: '/api/embed/dashboards/sales-dashboard/tiles/1', user: 'alice', status: 400, code: 'bad_request' },
  { name: 'carol is refused the dashboard', path: '/api/embed/dashboards/sales-dashboard', user: 'carol', status: 403, code: 'forbidden' },
  { name: 'POST to liveness', method: 'POST', path: '/api/health', status: 405, code: 'method_not_allowed', documentedAs: '/x-host-responses/405', headers: { allow: 'GET' } },
  { name: 'DELETE an embed config', method: 'DELETE', path: '/api/embed/reports/sales-overview', user: 'alice', status: 405, code: 'method_not_allowed', documentedAs: '/x-host-responses/405', headers: { allow: 'GET' } },
  { name: 'an unknown route', path: '/api/embed/workbooks/sales', user: 'alice', status: 404, code: 'route_not_found', documentedAs: '/x-host-responses/404' },
  { name: 'a path outside the route prefix', path: '/health', status: 404, code: 'route_not_found', documentedAs: '/x-host-responses/404' },
  {
    name: 'Power BI keeps failing',
    path: '/api/embed/reports/sales-overview',
    user: 'new',
    before: (app) => app.azure.powerBi.inject({ kind: 'status', status: 500, ratio: 1, method: 'POST', path: /GenerateToken$/i, body: { error: { code: 'InternalServerError' } } }),
    status: 502,
    code: 'upstream_error',
  },
  {
    name: 'Power BI stays throttled',
    path: '/api/embed/reports/sales-overview',
    user: 'new',
    before: (app) => app.azure.powerBi.inject({ kind: 'status', status: 429, retryAfterSeconds: 30, ratio: 1, method: 'POST', path: /GenerateToken$/i }),
    status: 503,
    code: 'upstream_unavailable',
    headers: { 'retry-after': '30' },
  },
  {
    name: 'Power BI hangs',
    path: '/api/embed/reports/sales-overview',
    user: 'new',
    before: (app) => app.azure.powerBi.inject({ kind: 'hang', ratio: 1, method: 'POST', path: /GenerateToken$/i }),
    status: 504,
    code: 'upstream_timeout',
  },
];

describe('openapi.yaml', () => {
  let app: TestApp;
  let newUsers = 0;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  afterEach(() => {
    for (const server of [app.azure.entra.server, app.azure.keyVault.server, app.azure.powerBi.server, app.azure.managedIdentity.server]) server.faults.clear();
  });

  async function send(exchange: Exchange): Promise<Response> {
    exchange.before?.(app);
    const init: RequestInit = { method: exchange.method ?? 'GET' };
    if (exchange.body !== undefined) {
      init.body = typeof exchange.body === 'string' ? exchange.body : JSON.stringify(exchange.body);
      init.headers = { 'content-type': 'application/json' };
    }
    if (exchange.authorization) init.headers = { ...(init.headers as Record<string, string>), authorization: exchange.authorization };
    if (!exchange.user) return fetch(`${app.url}${exchange.path}`, init);
    let user = exchange.user;
    if (user === 'new') {
      newUsers += 1;
      user = `openapi-user${newUsers}`;
      app.azure.users.addUser({ name: user, claims: { preferred_username: `${user}@contoso.example`, roles: ['Sales.EU'] } });
    }
    return app.getAs(user, exchange.path, init);
  }

  describe('the document', () => {
    it('is OpenAPI 3.1 in the JSON Schema 2020-12 dialect', () => {
      expect(String(spec.root.openapi)).toMatch(/^3\.1\.\d+$/);
      expect(spec.root.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(isObject(spec.root.info) && typeof spec.root.info.title === 'string' && typeof spec.root.info.version === 'string').toBe(true);
    });

    it('resolves every $ref within itself', () => {
      const dangling = spec.refs().filter((ref) => !ref.value.startsWith('#/') || spec.at(ref.value.slice(1)) === undefined);
      expect(dangling).toEqual([]);
    });

    it('names every operation once and describes every response', () => {
      const ids = spec.operations().map((op) => op.operation.operationId);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const undescribed = responsePointers().filter((pointer) => typeof spec.deref(pointer).value.description !== 'string');
      expect(undescribed).toEqual([]);
    });

    it('compiles every schema in strict mode, and every example matches its schema', () => {
      const found = schemasWithExamples();
      expect(found.length).toBeGreaterThan(10);
      const failures = found.flatMap(({ schema, examples }) => {
        try {
          spec.validator(schema);
        } catch (error) {
          return [`${schema}: ${(error as Error).message}`];
        }
        return examples.flatMap((example) => spec.validate(schema, example).map((problem) => `${schema} example: ${problem}`));
      });
      expect(failures).toEqual([]);
    });

    it('lists exactly the error codes of ERROR_CODES', () => {
      const documented = objectAt('/components/schemas/ErrorCode').enum;
      expect(Array.isArray(documented) ? documented.map(String).sort() : documented).toEqual(Object.keys(ERROR_CODES).sort());
    });

    it('describes the problem the app makes for every error code, by the response documented for its status', () => {
      const upstream = { upstream: 'powerbi', upstreamStatus: 500, upstreamCode: 'InternalServerError', upstreamRequestId: 'f00d' };
      const failures = (Object.keys(ERROR_CODES) as ErrorCode[]).flatMap((code) => {
        const problem = toProblemDetails(new BrokerError(code, 'Something went wrong.', { extensions: code.startsWith('upstream_') ? upstream : { rule: 'sales-team' } }), '/api/embed/reports/sales-overview');
        return spec.validate('/components/schemas/Problem', problem).map((p) => `${code}: ${p}`);
      });
      expect(failures).toEqual([]);
      // A member the document does not list fails validation: the schema is closed.
      const extra = { ...toProblemDetails(new BrokerError('internal', 'x')), stack: 'Error: x\n    at y.ts:1' };
      expect(spec.validate('/components/schemas/Problem', extra)).not.toEqual([]);
    });

    it("documents the policy's item-key rule, case-insensitively", () => {
      const samples = ['sales-overview', 'Sales-Overview', 'SALES', 'a', '7', 'a-b', 'a'.repeat(64), 'a'.repeat(65), '-a', 'a-', 'a_b', 'a b', 'a.b', '', 'ä', '5a1e5000-0000-4000-8000-0000000000a1'];
      for (const key of samples) {
        expect([key, spec.validate(KEY_PARAMETER, key).length === 0]).toEqual([key, ITEM_KEY_PATTERN.test(key.toLowerCase())]);
      }
    });
  });

  describe('real answers', () => {
    it.each(EXCHANGES.map((e) => [e.name, e] as const))('%s: status, content type, headers and body are as documented', async (_, exchange) => {
      const method = exchange.method ?? 'GET';
      const res = await send(exchange);
      const check = await spec.checkResponse(method, exchange.path, res);
      expect({ status: res.status, problems: check.problems }).toEqual({ status: exchange.status, problems: [] });
      if (exchange.documentedAs) expect(check.documented).toBe(exchange.documentedAs);
      if (exchange.code) expect(isObject(check.body) ? check.body.code : undefined).toBe(exchange.code);
      for (const [name, expected] of Object.entries(exchange.headers ?? {})) {
        if (typeof expected === 'string') expect(res.headers.get(name)).toBe(expected);
        else expect(res.headers.get(name)).toMatch(expected);
      }
      // The documented key rule agrees with what the app answered: 400 exactly when the key breaks it.
      const key = /^\/api\/embed\/reports\/([^/]+)$/.exec(exchange.path)?.[1];
      if (key !== undefined && method === 'GET' && res.status !== 401) {
        expect(spec.validate(KEY_PARAMETER, decodeURIComponent(key)).length === 0).toBe(res.status !== 400);
      }
    });

    it('refuses an embed config with a member openapi.yaml does not list', async () => {
      const res = await app.getAs('alice', '/api/embed/reports/company-kpis');
      const config = (await res.json()) as Record<string, Json>;
      expect(spec.validate('/components/schemas/ReportEmbedConfig', config)).toEqual([]);
      expect(spec.validate('/components/schemas/ReportEmbedConfig', { ...config, settings: {} })).not.toEqual([]);
      const { accessToken: _, ...withoutToken } = config;
      expect(spec.validate('/components/schemas/ReportEmbedConfig', withoutToken)).not.toEqual([]);
    });
  });

  describe('routes', () => {
    it('has every documented operation served by the host', async () => {
      const operations = spec.operations();
      expect(operations.length).toBeGreaterThan(0);
      const unserved: string[] = [];
      for (const op of operations) {
        const path = examplePath(op.path, op.pointer);
        const res = await fetch(`${app.url}${path}`, { method: op.method.toUpperCase() });
        const text = await res.text();
        const code = (res.headers.get('content-type') ?? '').startsWith('application/problem+json') ? (JSON.parse(text) as { code?: string }).code : undefined;
        if (res.status === 405 || code === 'route_not_found' || code === 'method_not_allowed') unserved.push(`${op.method.toUpperCase()} ${path}: ${res.status} ${code ?? ''}`);
      }
      expect(unserved).toEqual([]);
    });

    it('documents every route the function files register, with each of its methods', () => {
      expect(recorded.functions.length).toBeGreaterThan(0);
      const documented = new Set(spec.operations().map((op) => `${op.method.toUpperCase()} ${op.path}`));
      const registered = recorded.functions.flatMap((fn) => {
        const path = documentedPathOf(fn.trigger.route ?? fn.name);
        return (fn.trigger.methods ?? ['GET', 'POST']).map((method) => `${method.toUpperCase()} ${path}`);
      });
      expect(registered.filter((route) => !documented.has(route))).toEqual([]);
      expect([...documented].filter((route) => !registered.includes(route))).toEqual([]);
    });
  });
});
