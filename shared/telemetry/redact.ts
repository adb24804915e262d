// Last line of defence for log and telemetry text: masks anything shaped like a token or a
// credential, in case an upstream library put one in an error message.

const PATTERNS: [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|sig|code)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/(\\?")(accessToken|access_token|refresh_token|id_token|token|secret|value|clientSecret|client_secret|password)\1\s*:\s*\1(?:[^"\\]|\\(?!"))*\1/g, '$1$2$1:$1[redacted]$1'],
];

/** Credential values the broker holds (a client secret, a private key): masked wherever they appear, whatever their shape. */
const heldSecrets = new Set<string>();
const MIN_LITERAL_LENGTH = 8;
const MAX_HELD_SECRETS = 32;

/** Remembers a credential value so that redact() masks it literally. */
export function rememberSecret(value: string): void {
  if (value.length < MIN_LITERAL_LENGTH) return;
  if (heldSecrets.size >= MAX_HELD_SECRETS) heldSecrets.delete(heldSecrets.values().next().value as string);
  heldSecrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of heldSecrets) out = out.split(secret).join('[redacted]');
  return PATTERNS.reduce((masked, [pattern, replacement]) => masked.replace(pattern, replacement), out);
}

/** An error's name and machine code, never its message: for errors whose text an upstream wrote. */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return 'non-error value';
  const code = (error as { code?: unknown }).code ?? (error as { errorCode?: unknown }).errorCode;
  const safeCode = typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` [${code}]` : '';
  return `${/^[A-Za-z0-9_]{1,64}$/.test(error.name) ? error.name : 'Error'}${safeCode}`;
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'non-error value thrown';
  const code = (error as { code?: unknown; errorCode?: unknown }).code ?? (error as { errorCode?: unknown }).errorCode;
  return redact(`${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`);
}
