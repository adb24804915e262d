// A tiny method + path router for the emulators. Patterns use `:name` segments and match
// case-insensitively, as the Azure services do for their paths; a trailing slash is ignored.

export type RouteHandler<Req, Res> = (req: Req, params: Record<string, string>) => Res | Promise<Res>;

interface Route<Req, Res> {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler<Req, Res>;
}

export interface RouteMatch<Req, Res> {
  handler: RouteHandler<Req, Res>;
  params: Record<string, string>;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Router<Req, Res> {
  private readonly routes: Route<Req, Res>[] = [];

  add(method: string, path: string, handler: RouteHandler<Req, Res>): void {
    const names: string[] = [];
    const source = path
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        return escape(segment);
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`, 'i'), names, handler });
  }

  match(method: string, path: string): RouteMatch<Req, Res> | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = safeDecode(found[index + 1] ?? '');
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
