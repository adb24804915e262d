import { CLOUDS } from '../../../shared/config/clouds';
import { entraAuthorityMetadata } from '../../../shared/credentials/msalTokenSource';

// The OpenID metadata handed to msal in place of its discovery GET: Entra's tenant-specific v2.0
// endpoints on the cloud's own authority host.

describe('entraAuthorityMetadata', () => {
  it.each(Object.entries(CLOUDS))('names the tenant-specific v2.0 endpoints of %s', (_cloud, { authorityHost }) => {
    const tenant = 'd3e0d3e0-0000-4000-8000-00000000d3e0';
    expect(JSON.parse(entraAuthorityMetadata(`${authorityHost}/`, tenant))).toEqual({
      token_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${authorityHost}/${tenant}/discovery/v2.0/keys`,
      issuer: `${authorityHost}/${tenant}/v2.0`,
    });
  });
});
