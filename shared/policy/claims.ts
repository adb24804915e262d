// Reading claims from a validated token. Only the token's own string values count (no
// inherited properties, no numbers or booleans turned into text); `scp` is a space-separated
// list by the OAuth spec.

export type Claims = Readonly<Record<string, unknown>>;

export function claimValues(claims: Claims, name: string): string[] {
  const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  if (typeof value === 'string') return name === 'scp' ? value.split(' ').filter(Boolean) : value === '' ? [] : [value];
  return [];
}
