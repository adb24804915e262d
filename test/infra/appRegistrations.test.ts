import { readFileSync } from 'node:fs';
import path from 'node:path';
import { graphModule, infraDir } from './bicepCli';
import { compact, declarations, properties, resourceBlocks, type ResourceBlock } from './bicepText';

// modules/appRegistrations.bicep uses the Microsoft Graph extension, which cannot be restored
// offline, so the compiler never sees it in tests (main.bicep is compiled against a stand-in whose
// parameters and outputs templates.test.ts compares with this file's). Its shape is checked here
// on the source: resource types, the properties that make the federated credential and the
// token flow work, and owners.

const source = readFileSync(graphModule, 'utf8');
const blocks = resourceBlocks(source);
const variables = new Map(declarations(source, 'var').map((v) => [v.name, compact(v.value)]));
const outputs = new Map(declarations(source, 'output').map((o) => [o.name, compact(o.value)]));
const bySymbol = (symbol: string): ResourceBlock => {
  const block = blocks.find((b) => b.symbol === symbol);
  if (!block) throw new Error(`no resource ${symbol} in ${graphModule}`);
  return block;
};
const prop = (symbol: string, key: string): string => compact(properties(bySymbol(symbol).body).get(key));
/** A property's value with a variable reference replaced by the variable's text. */
const resolved = (symbol: string, key: string): string => {
  const value = prop(symbol, key);
  return variables.get(value) ?? value;
};

describe('modules/appRegistrations.bicep (Microsoft Graph, checked on the source)', () => {
  it('uses the Graph extension under the alias bicepconfig.json maps to the v1.0 types', () => {
    expect(source).toMatch(/^extension microsoftGraphV1$/m);
    const config = JSON.parse(readFileSync(path.join(infraDir, 'bicepconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { extensions?: Record<string, string> };
    expect(config.extensions?.microsoftGraphV1).toMatch(/^br:mcr\.microsoft\.com\/bicep\/extensions\/microsoftgraph\/v1\.0:\d+\.\d+\.\d+$/);
  });

  it('declares the three apps, their service principals and one federated credential', () => {
    expect(blocks.map((b) => `${b.symbol} ${b.type}${b.condition ? ' (conditional)' : ''}`)).toEqual([
      'powerBiApp Microsoft.Graph/applications@v1.0',
      'managedIdentityCredential federatedIdentityCredentials@v1.0',
      'powerBiServicePrincipal Microsoft.Graph/servicePrincipals@v1.0',
      'apiApp Microsoft.Graph/applications@v1.0',
      'apiServicePrincipal Microsoft.Graph/servicePrincipals@v1.0',
      'spaApp Microsoft.Graph/applications@v1.0 (conditional)',
      'spaServicePrincipal Microsoft.Graph/servicePrincipals@v1.0 (conditional)',
    ]);
    expect(bySymbol('spaApp').condition).toBe('createSpaApp');
    expect(bySymbol('spaServicePrincipal').condition).toBe('createSpaApp');
  });

  it('makes the deployer an owner of every app and service principal, so it can redeploy them', () => {
    expect(variables.get('deployerOwns')).toBe('{relationships:[deployer().objectId]}');
    for (const block of blocks.filter((b) => !b.type.startsWith('federatedIdentityCredentials'))) {
      expect({ symbol: block.symbol, owners: resolved(block.symbol, 'owners') }).toEqual({ symbol: block.symbol, owners: '{relationships:[deployer().objectId]}' });
    }
  });

  it('gives each service principal its own app', () => {
    expect(prop('powerBiServicePrincipal', 'appId')).toBe('powerBiApp.appId');
    expect(prop('apiServicePrincipal', 'appId')).toBe('apiApp.appId');
    expect(prop('spaServicePrincipal', 'appId')).toBe('spaApp!.appId');
  });

  it('signs in only this tenant and creates no password', () => {
    for (const block of blocks.filter((b) => b.type.startsWith('Microsoft.Graph/applications@'))) expect({ symbol: block.symbol, audience: prop(block.symbol, 'signInAudience') }).toEqual({ symbol: block.symbol, audience: "'AzureADMyOrg'" });
    expect(source).not.toMatch(/passwordCredentials|addPassword/);
  });

  it('trusts the function\'s managed identity: issuer this tenant\'s Entra, subject its principal id, audience the token-exchange one', () => {
    expect(resolved('managedIdentityCredential', 'issuer')).toBe("'${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'");
    expect(prop('managedIdentityCredential', 'subject')).toBe('managedIdentityPrincipalId');
    expect(prop('managedIdentityCredential', 'audiences')).toBe('[federatedCredentialAudience]');
    expect(prop('managedIdentityCredential', 'name')).toBe("'${powerBiApp.uniqueName}/function-managed-identity'");
    const audience = declarations(source, 'param').find((p) => p.name === 'federatedCredentialAudience');
    expect(audience).toEqual({ name: 'federatedCredentialAudience', type: 'string', value: undefined }); // main.bicep passes it per cloud
  });

  it('exposes the API with v2 tokens, the access_as_user scope and the RLS app roles', () => {
    expect(resolved('apiApp', 'identifierUris')).toBe('[apiIdentifierUri]');
    expect(variables.get('apiIdentifierUri')).toBe("'api://${tenant().tenantId}/${apiAppUniqueName}'");
    const api = properties(properties(bySymbol('apiApp').body).get('api')?.replace(/^\{|\}$/g, '') ?? '');
    expect(compact(api.get('requestedAccessTokenVersion'))).toBe('2');
    const scope = compact(api.get('oauth2PermissionScopes'));
    expect(scope).toContain("id:accessAsUserScopeId,value:'access_as_user',type:'User',isEnabled:true");
    expect(prop('apiApp', 'appRoles')).toContain('[forroleinrlsAppRoles:{');
    expect(prop('apiApp', 'appRoles')).toContain("value:role");
  });

  it('lets the SPA request access_as_user from the API app', () => {
    expect(prop('spaApp', 'spa')).toBe('{redirectUris:spaRedirectUris}');
    expect(prop('spaApp', 'requiredResourceAccess')).toBe("[{resourceAppId:apiApp.appId,resourceAccess:[{id:accessAsUserScopeId,type:'Scope'}]}]");
  });

  it('outputs the ids Entra assigns', () => {
    expect(Object.fromEntries(outputs)).toEqual({
      powerBiClientId: 'powerBiApp.appId',
      powerBiServicePrincipalObjectId: 'powerBiServicePrincipal.id',
      apiClientId: 'apiApp.appId',
      apiIdentifierUri: 'apiIdentifierUri',
      apiScope: "'${apiIdentifierUri}/access_as_user'",
      spaClientId: "createSpaApp?spaApp!.appId:''",
    });
  });
});
