// Reading claims from a validated token. Values may be strings, arrays or scalars;
// `scp` is a space-separated list by the OAuth spec.

export type Claims = Readonly<Record<string, unknown>>;

export function claimValues(claims: Claims, name: string): string[] {
  const value = claims[name];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean').map(String);
  if (typeof value === 'string') return name === 'scp' ? value.split(' ').filter(Boolean) : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

export function singleClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
