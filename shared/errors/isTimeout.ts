// An aborted or timed-out call. Checked by name: AbortSignal.timeout() rejects with a
// DOMException, which is not an `Error` instance in every realm (jest's, for one).
export function isTimeoutError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
