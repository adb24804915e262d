import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

// Reads openapi.yaml and checks real answers against it: JSON pointers and local $refs are
// resolved within the document, and its schemas are compiled by ajv as JSON Schema 2020-12
// (OpenAPI 3.1's dialect) in strict mode, so a keyword ajv does not know fails loudly.

export const OPENAPI_FILE = resolve(__dirname, '..', '..', 'openapi.yaml');
const DOCUMENT_ID = 'https://powerbi-embed-broker.invalid/openapi.yaml';
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Located<T = Json> {
  pointer: string;
  value: T;
}

export interface DocumentedOperation {
  path: string;
  method: string;
  pointer: string;
  operation: JsonObject;
}

export interface ResponseCheck {
  /** Where the document lists the answer, e.g. `/paths/~1api~1health/get/responses/200` or `/x-host-responses/404`. */
  documented: string;
  /** The response object that answer was checked against (`documented` with its $ref followed). */
  response: string;
  problems: string[];
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const escapeToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeToken = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

export function pointerOf(...tokens: string[]): string {
  return tokens.map((t) => `/${escapeToken(t)}`).join('');
}

export class OpenApiDocument {
  readonly root: JsonObject;
  private readonly ajv: Ajv2020;

  constructor(root: JsonObject) {
    this.root = root;
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    // The document is added whole so that `#/components/...` resolves; its own members are not schema keywords.
    for (const member of Object.keys(root)) if (!this.ajv.getKeyword(member)) this.ajv.addKeyword(member);
    this.ajv.addSchema({ ...root, $id: DOCUMENT_ID });
  }

  static load(file = OPENAPI_FILE): OpenApiDocument {
    const root = parse(readFileSync(file, 'utf8')) as Json;
    if (!isObject(root)) throw new Error(`${file} is not a YAML mapping`);
    return new OpenApiDocument(root);
  }

  /** The value at a JSON pointer (`''` is the whole document). */
  at(pointer: string): Json | undefined {
    let value: Json | undefined = this.root;
    for (const token of pointer.split('/').slice(1).map(unescapeToken)) {
      if (Array.isArray(value)) value = value[Number(token)];
      else if (isObject(value)) value = Object.hasOwn(value, token) ? value[token] : undefined;
      else return undefined;
    }
    return value;
  }

  /** Follows local `$ref`s (of responses, parameters, headers) to the object they name. */
  deref(pointer: string): Located<JsonObject> {
    const seen = new Set<string>();
    let current = pointer;
    for (;;) {
      const value = this.at(current);
      if (!isObject(value)) throw new Error(`${current} is not an object in openapi.yaml`);
      const ref = value.$ref;
      if (typeof ref !== 'string') return { pointer: current, value };
      if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref} at ${current}`);
      if (seen.has(ref)) throw new Error(`$ref cycle at ${ref}`);
      seen.add(ref);
      current = ref.slice(1);
    }
  }

  /** Every `$ref` string in the document, with where it is. */
  refs(): Located<string>[] {
    const found: Located<string>[] = [];
    const walk = (value: Json, pointer: string) => {
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${pointer}/${i}`));
      else if (isObject(value)) {
        for (const [key, child] of Object.entries(value)) {
          if (key === '$ref' && typeof child === 'string') found.push({ pointer, value: child });
          else walk(child, `${pointer}/${escapeToken(key)}`);
        }
      }
    };
    walk(this.root, '');
    return found;
  }

  operations(): DocumentedOperation[] {
    const paths = this.root.paths;
    if (!isObject(paths)) return [];
    const out: DocumentedOperation[] = [];
    for (const [path, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (isObject(operation)) out.push({ path, method, pointer: pointerOf('paths', path, method), operation });
      }
    }
    return out;
  }

  /** The documented path template a concrete request path falls under (matched case-insensitively, like the host). */
  matchPath(requestPath: string): string | undefined {
    const paths = isObject(this.root.paths) ? Object.keys(this.root.paths) : [];
    return paths.find((template) => {
      const source = template
        .split(/(\{[^}]+\})/)
        .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return new RegExp(`^${source}/?$`, 'i').test(requestPath);
    });
  }

  /** The compiled schema at a JSON pointer; its `$ref`s resolve within the document. */
  validator(pointer: string): ValidateFunction {
    const validate = this.ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    return validate;
  }

  validate(pointer: string, data: unknown): string[] {
    const validate = this.validator(pointer);
    if (validate(data)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }

  /**
   * The response documented for an answer: the operation's own for that status, else one of the
   * host's (`x-host-responses`): a 404 for an undocumented path, a 405 for an undocumented method.
   */
  documentedResponse(method: string, requestPath: string, status: number): string | undefined {
    const template = this.matchPath(requestPath);
    const operationPointer = template === undefined ? undefined : pointerOf('paths', template, method.toLowerCase());
    const operation = operationPointer === undefined ? undefined : this.at(operationPointer);
    if (operationPointer !== undefined && isObject(operation)) {
      const own = `${operationPointer}/responses/${status}`;
      if (this.at(own) !== undefined) return own;
    }
    const generic = pointerOf('x-host-responses', String(status));
    if (this.at(generic) === undefined) return undefined;
    if (template === undefined) return status === 404 || status === 400 ? generic : undefined;
    if (!isObject(operation)) return status === 405 ? generic : undefined;
    // A documented operation may still get the host's answers about the request itself.
    return status === 400 || status === 413 ? generic : undefined;
  }

  /** Checks status, content type, headers and body of a real answer against the document. */
  async checkResponse(method: string, requestPath: string, res: Response): Promise<ResponseCheck & { body: Json | undefined }> {
    const problems: string[] = [];
    const text = await res.text();
    let body: Json | undefined;
    const documented = this.documentedResponse(method, requestPath, res.status);
    if (documented === undefined) {
      return { documented: '', response: '', body, problems: [`${method.toUpperCase()} ${requestPath} answered ${res.status}, which openapi.yaml does not document for it`] };
    }
    const response = this.deref(documented);

    const headers = isObject(response.value.headers) ? response.value.headers : {};
    for (const name of Object.keys(headers)) {
      const header = this.deref(`${response.pointer}/headers/${escapeToken(name)}`);
      const actual = res.headers.get(name);
      if (actual === null) {
        if (header.value.required === true) problems.push(`required header ${name} is missing`);
        continue;
      }
      for (const problem of this.validate(`${header.pointer}/schema`, actual)) problems.push(`header ${name}: ${problem}`);
    }

    const content = isObject(response.value.content) ? response.value.content : undefined;
    if (!content) {
      if (text !== '') problems.push(`a body was sent but ${response.pointer} documents none`);
      return { documented, response: response.pointer, body, problems };
    }
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!Object.hasOwn(content, mediaType)) {
      problems.push(`content-type "${mediaType}" is not one of ${Object.keys(content).join(', ')} (${response.pointer})`);
      return { documented, response: response.pointer, body, problems };
    }
    try {
      body = JSON.parse(text) as Json;
    } catch {
      problems.push(`the body is not JSON: ${text.slice(0, 80)}`);
      return { documented, response: response.pointer, body, problems };
    }
    const schemaPointer = `${response.pointer}/content/${escapeToken(mediaType)}/schema`;
    for (const problem of this.validate(schemaPointer, body)) problems.push(`body: ${problem}`);
    return { documented, response: response.pointer, body, problems };
  }
}
