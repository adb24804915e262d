import { createHash, randomBytes } from 'node:crypto';

// The authorization-code flow with PKCE, as Entra runs it for a single-page app: a registered
// client with exact redirect URIs, one-time codes bound to the client, redirect URI and code
// challenge, short-lived, and refresh tokens the SPA redeems from the browser (CORS).

export interface SpaClient {
  clientId: string;
  redirectUris: readonly string[];
}

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode: 'query' | 'fragment';
}

export interface Grant {
  user: string;
  clientId: string;
  scope: string;
  nonce?: string;
}

interface PendingCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
}

/** An OAuth error answer (`error`, `error_description` with an AADSTS code, as Entra words them). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export const CODE_LIFETIME_MS = 10 * 60_000;

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class AuthorizationCodes {
  private readonly clients = new Map<string, SpaClient>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, Grant>();

  constructor(private readonly now: () => number = Date.now) {}

  registerClient(client: SpaClient): void {
    this.clients.set(client.clientId.toLowerCase(), { clientId: client.clientId, redirectUris: [...client.redirectUris] });
  }

  isRegisteredRedirect(uri: string): boolean {
    return [...this.clients.values()].some((client) => client.redirectUris.includes(uri));
  }

  /** Checks an /authorize request; errors that cannot go back to the app (unknown client or redirect URI) are thrown. */
  parseAuthorize(params: URLSearchParams): AuthorizationRequest {
    const clientId = params.get('client_id') ?? '';
    const client = this.clients.get(clientId.toLowerCase());
    if (!client) throw new OAuthError('unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!client.redirectUris.includes(redirectUri)) {
      throw new OAuthError('invalid_request', `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`);
    }
    if (params.get('response_type') !== 'code') throw new OAuthError('unsupported_response_type', 'AADSTS900144: only response_type=code is supported.');
    const codeChallenge = params.get('code_challenge') ?? '';
    if (!codeChallenge || params.get('code_challenge_method') !== 'S256') {
      throw new OAuthError('invalid_request', 'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption (S256).');
    }
    const state = params.get('state');
    const nonce = params.get('nonce');
    return {
      clientId: client.clientId,
      redirectUri,
      scope: params.get('scope') ?? 'openid',
      codeChallenge,
      responseMode: params.get('response_mode') === 'query' ? 'query' : 'fragment',
      ...(state !== null ? { state } : {}),
      ...(nonce !== null ? { nonce } : {}),
    };
  }

  issueCode(request: AuthorizationRequest, user: string): string {
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, {
      user,
      clientId: request.clientId,
      scope: request.scope,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      expiresAt: this.now() + CODE_LIFETIME_MS,
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    });
    return code;
  }

  /** Where the browser goes back to: the redirect URI with the code (or error) and state. */
  static redirect(request: AuthorizationRequest, answer: Record<string, string>): string {
    const params = new URLSearchParams({ ...answer, ...(request.state !== undefined ? { state: request.state } : {}) });
    return `${request.redirectUri}${request.responseMode === 'query' ? '?' : '#'}${params.toString()}`;
  }

  /** POST /token: `authorization_code` (with the PKCE verifier) or `refresh_token`. */
  redeem(form: URLSearchParams): Grant & { refreshToken: string } {
    const grantType = form.get('grant_type');
    const clientId = form.get('client_id') ?? '';
    if (!this.clients.has(clientId.toLowerCase())) throw new OAuthError('unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
    let grant: Grant;
    if (grantType === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = this.codes.get(code);
      this.codes.delete(code);
      if (!pending || pending.expiresAt <= this.now()) throw new OAuthError('invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired or was already used.');
      if (pending.clientId.toLowerCase() !== clientId.toLowerCase()) throw new OAuthError('invalid_grant', 'AADSTS70000: The code was issued to another client.');
      if (form.get('redirect_uri') !== pending.redirectUri) throw new OAuthError('invalid_grant', 'AADSTS70000: The redirect URI does not match the one the code was issued for.');
      const verifier = form.get('code_verifier') ?? '';
      if (!verifier || s256(verifier) !== pending.codeChallenge) throw new OAuthError('invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      grant = { user: pending.user, clientId: pending.clientId, scope: pending.scope, ...(pending.nonce !== undefined ? { nonce: pending.nonce } : {}) };
    } else if (grantType === 'refresh_token') {
      const token = form.get('refresh_token') ?? '';
      const found = this.refreshTokens.get(token);
      this.refreshTokens.delete(token);
      if (!found || found.clientId.toLowerCase() !== clientId.toLowerCase()) throw new OAuthError('invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired or was already used.');
      // A refreshed answer carries no nonce: there is no new authorization request.
      grant = { user: found.user, clientId: found.clientId, scope: form.get('scope') ?? found.scope };
    } else {
      throw new OAuthError('unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${grantType ?? ''}'.`);
    }
    const refreshToken = randomBytes(32).toString('base64url');
    this.refreshTokens.set(refreshToken, { user: grant.user, clientId: grant.clientId, scope: grant.scope });
    return { ...grant, refreshToken };
  }
}
