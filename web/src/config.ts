// The SPA's settings: a runtime /config.json when the host serves one (npm start writes it;
// a deployment may too), otherwise the values Vite baked in at build time (VITE_*).

export interface ReportChoice {
  key: string;
  title: string;
}

export interface AppConfig {
  /** Base URL of the broker; '' when the API is served from the SPA's origin (under /api). */
  apiBaseUrl: string;
  clientId: string;
  authority: string;
  /** Hosts msal may trust without Entra's instance discovery (a non-Entra authority). */
  knownAuthorities: string[];
  /** 'OIDC' for a generic OpenID provider (the local users' issuer), 'AAD' for Entra ID. */
  protocolMode: 'AAD' | 'OIDC';
  /** The broker API's delegated scope, e.g. api://powerbi-embed-broker/access_as_user. */
  apiScope: string;
  /** Reports the picker offers (the broker's policy keys); forbidden ones are marked when tried. */
  reports: ReportChoice[];
  /** Refresh margin and jitter, in seconds (defaults: 300 and 60). */
  refreshMarginSeconds?: number;
  refreshJitterSeconds?: number;
}

function fromBuild(): AppConfig {
  const env = import.meta.env;
  const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    apiBaseUrl: env.VITE_API_BASE_URL ?? '',
    clientId: env.VITE_CLIENT_ID ?? '',
    authority: env.VITE_AUTHORITY ?? '',
    knownAuthorities: list(env.VITE_KNOWN_AUTHORITIES),
    protocolMode: env.VITE_PROTOCOL_MODE === 'OIDC' ? 'OIDC' : 'AAD',
    apiScope: env.VITE_API_SCOPE ?? '',
    reports: list(env.VITE_REPORTS).map((entry) => {
      const [key = '', title] = entry.split(':');
      return { key, title: title ?? key };
    }),
  };
}

export async function loadConfig(): Promise<AppConfig> {
  const built = fromBuild();
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (response.ok && (response.headers.get('content-type') ?? '').includes('json')) return { ...built, ...((await response.json()) as Partial<AppConfig>) };
  } catch {
    // No runtime configuration: the build's values stand.
  }
  return built;
}
