import { createStandardPublicClientApplication, InteractionRequiredAuthError, ProtocolMode, type AccountInfo, type IPublicClientApplication } from '@azure/msal-browser';
import type { AppConfig } from './config';

// Sign-in with msal-browser: the authorization-code flow with PKCE, by redirect. The same code
// runs against Entra ID when deployed and against the local users' issuer under npm start.

export interface Auth {
  account: AccountInfo | undefined;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  /** A token for the broker's API; redirects to sign in when a silent one cannot be had. */
  apiToken(): Promise<string>;
}

export async function startAuth(config: AppConfig): Promise<Auth> {
  const redirectUri = `${location.origin}/`;
  const msal: IPublicClientApplication = await createStandardPublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: config.knownAuthorities,
      redirectUri,
      postLogoutRedirectUri: redirectUri,
    },
    cache: { cacheLocation: 'sessionStorage' },
    system: { protocolMode: config.protocolMode === 'OIDC' ? ProtocolMode.OIDC : ProtocolMode.AAD },
  });
  const result = await msal.handleRedirectPromise();
  const account = result?.account ?? msal.getActiveAccount() ?? msal.getAllAccounts()[0] ?? undefined;
  if (account) msal.setActiveAccount(account);
  const scopes = [config.apiScope];
  const auth: Auth = {
    account,
    signIn: () => msal.loginRedirect({ scopes, prompt: 'select_account' }),
    signOut: () => msal.logoutRedirect({ account: msal.getActiveAccount() }),
    async apiToken() {
      const active = msal.getActiveAccount();
      if (!active) {
        await auth.signIn();
        throw new Error('signing in');
      }
      try {
        return (await msal.acquireTokenSilent({ scopes, account: active })).accessToken;
      } catch (error) {
        if (error instanceof InteractionRequiredAuthError) {
          await msal.acquireTokenRedirect({ scopes, account: active });
        }
        throw error;
      }
    },
  };
  return auth;
}
