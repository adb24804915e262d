// Last line of defence for log and telemetry text: masks anything shaped like a token or a
// credential, in case an upstream library put one in an error message.

const PATTERNS: [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|sig|code)=([^&\s"']+)/gi, '$1=[redacted]'],
  [/(\\?")(accessToken|access_token|refresh_token|id_token|token|secret|value|clientSecret|client_secret|password)\1\s*:\s*\1(?:[^"\\]|\\(?!"))*\1/g, '$1$2$1:$1[redacted]$1'],
];

export function redact(text: string): string {
  return PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'non-error value thrown';
  const code = (error as { code?: unknown; errorCode?: unknown }).code ?? (error as { errorCode?: unknown }).errorCode;
  return redact(`${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`);
}
