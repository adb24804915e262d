// Azure Functions route templates (ASP.NET Core style): `{id}`, `{id?}`, `{id:int}`,
// `{id:guid}`, `{*rest}`. Matching is case-insensitive, as in the Functions host.

const CONSTRAINTS: Record<string, string> = {
  int: '-?\\d+',
  long: '-?\\d+',
  guid: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
  alpha: '[a-zA-Z]+',
  bool: '(?:true|false)',
};

export interface RouteTemplate {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileRouteTemplate(template: string): RouteTemplate {
  const names: string[] = [];
  const segments = template.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
  let source = '';
  for (const segment of segments) {
    const param = /^\{(\*)?([A-Za-z_][\w]*)(?::([a-z]+))?(\?)?\}$/.exec(segment);
    if (!param) {
      if (/[{}]/.test(segment)) throw new Error(`Unsupported route segment "${segment}" in "${template}"`);
      source += `/${escape(segment)}`;
      continue;
    }
    const [, catchAll, name, constraint, optional] = param;
    names.push(name as string);
    if (catchAll) {
      source += '(?:/(.*))?';
      continue;
    }
    let pattern = '[^/]+';
    if (constraint) {
      const known = CONSTRAINTS[constraint];
      if (!known) throw new Error(`Unsupported route constraint "${constraint}" in "${template}"`);
      pattern = known;
    }
    source += optional ? `(?:/(${pattern}))?` : `/(${pattern})`;
  }
  const regex = new RegExp(`^${source}/?$`, 'i');
  return {
    template,
    match(path) {
      const found = regex.exec(path === '' ? '/' : path);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, index) => {
        const value = found[index + 1];
        if (value !== undefined && value !== '') params[name] = safeDecode(value);
      });
      return params;
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
