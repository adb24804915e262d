// An embed token lives the default lifetime, never longer than the Entra token used to
// ask for it, and shorter when the request says so (lifetimeInMinutes > 0; 0 means default).

export const DEFAULT_EMBED_TOKEN_MINUTES = 60;

export interface LifetimeInput {
  nowMs: number;
  /** `exp` of the caller's access token, epoch seconds. */
  accessTokenExp: number;
  defaultMinutes: number;
  lifetimeInMinutes?: number;
}

export function embedTokenExpiration({ nowMs, accessTokenExp, defaultMinutes, lifetimeInMinutes }: LifetimeInput): Date {
  const limits = [accessTokenExp * 1000, nowMs + defaultMinutes * 60_000];
  if (lifetimeInMinutes !== undefined && lifetimeInMinutes > 0) limits.push(nowMs + lifetimeInMinutes * 60_000);
  // The service answers whole seconds.
  return new Date(Math.floor(Math.min(...limits) / 1000) * 1000);
}

/** `2026-11-25T01:00:00Z`: the service's format, without milliseconds. */
export function serviceTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
