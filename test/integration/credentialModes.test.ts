import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createBroker } from '../../shared/app/broker';
import { loadConfig } from '../../shared/config/config';
import { DEMO_SECRET_NAME, DEMO_SERVICE_PRINCIPAL, DEMO_USERS } from '../../dev/emulators/demoWorld';
import { CLIENT_ASSERTION_TYPE } from '../../dev/emulators/entra';
import type { LocalAzure } from '../../dev/emulators/localAzure';
import { useIdentityEndpoint } from '../helpers/identityEnvironment';
import { startTestAzure } from '../helpers/localAzureForTests';

// The two credentials that are not a client secret, end to end against the local emulators with
// the real msal-node, @azure/identity and Key Vault clients: the function's managed identity as a
// federated credential (no Key Vault at all), and a certificate kept in Key Vault as PEM.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const CERTIFICATE_NAME = 'powerbi-certificate';
const alice = { ...(DEMO_USERS.find((u) => u.name === 'alice')?.claims ?? {}) };

async function makeCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=powerbi-embed-broker credential-mode test',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: algorithm,
    keys,
  });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString() };
}

describe('POWERBI_CREDENTIAL', () => {
  let azure: LocalAzure;
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const identityEnvironment = useIdentityEndpoint();

  const entraTokenCalls = () => azure.entra.server.log.find({ method: 'POST', path: '/oauth2/v2.0/token' });
  const keyVaultReads = (name: string) => azure.keyVault.server.log.find({ method: 'GET', path: `/secrets/${name}` }).filter((e) => e.status === 200);

  beforeAll(async () => {
    azure = await startTestAzure({ now });
    // @azure/identity reads the managed-identity endpoint from the environment, as on App Service.
    identityEnvironment.set(azure.managedIdentity.endpoint, azure.managedIdentity.header);
  });

  afterAll(async () => {
    await azure.close();
    identityEnvironment.restore();
  });

  beforeEach(() => {
    for (const log of [azure.entra.server.log, azure.keyVault.server.log, azure.managedIdentity.server.log, azure.powerBi.log]) log.clear();
  });

  describe('managed-identity', () => {
    it('signs in with a managed-identity assertion and never touches Key Vault', async () => {
      const broker = createBroker(loadConfig({ ...azure.settings, POWERBI_CREDENTIAL: 'managed-identity' }), { now });
      const outcome = await broker.embedReport({ claims: alice }, 'sales-overview');

      expect(outcome.identityApplied).toBe(true);
      expect(azure.powerBi.decodeEmbedToken(outcome.config.accessToken).identities).toEqual([expect.objectContaining({ username: 'alice@contoso.example', roles: ['Region EU'] })]);

      const calls = entraTokenCalls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]?.body).toMatchObject({ client_id: DEMO_SERVICE_PRINCIPAL.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: '[redacted]' });
      expect(calls[0]?.body).not.toHaveProperty('client_secret');

      // The assertion came from the managed identity, for the token-exchange audience.
      const miCalls = azure.managedIdentity.server.log.find({ method: 'GET', path: '/msi/token' });
      expect(miCalls.map((c) => c.status)).toEqual([200]);
      expect(miCalls[0]?.query.resource).toMatch(/^api:\/\/AzureADTokenExchange/);

      expect(azure.keyVault.server.log.all()).toEqual([]);
    });

    it('is ready without any Key Vault read', async () => {
      const broker = createBroker(loadConfig({ ...azure.settings, POWERBI_CREDENTIAL: 'managed-identity' }), { now });
      await expect(broker.readiness()).resolves.toMatchObject({ ready: true });
      expect(azure.keyVault.server.log.all()).toEqual([]);
    });
  });

  describe('certificate', () => {
    const settings = () => ({ ...azure.settings, POWERBI_CREDENTIAL: 'certificate', POWERBI_CERTIFICATE_NAME: CERTIFICATE_NAME });

    afterEach(() => azure.entra.resetTokenLifetime());

    it('signs in with the PEM certificate from Key Vault and issues an embed token', async () => {
      const { certPem, keyPem } = await makeCertificate();
      azure.entra.setAppCertificates(DEMO_SERVICE_PRINCIPAL.clientId, [certPem]);
      azure.keyVault.setSecret(CERTIFICATE_NAME, `${keyPem}${certPem}`, { contentType: 'application/x-pem-file' });
      // No secret would work: only the certificate can get this token.
      azure.entra.setAppSecrets(DEMO_SERVICE_PRINCIPAL.clientId, []);

      const broker = createBroker(loadConfig(settings()), { now });
      const outcome = await broker.embedReport({ claims: alice }, 'sales-overview');
      expect(outcome.config).toMatchObject({ type: 'report', tokenType: 'Embed' });
      expect(azure.powerBi.decodeEmbedToken(outcome.config.accessToken).identities).toEqual([expect.objectContaining({ username: 'alice@contoso.example' })]);

      const calls = entraTokenCalls();
      expect(calls.map((c) => c.status)).toEqual([200]);
      expect(calls[0]?.body).toMatchObject({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: '[redacted]' });
      expect(calls[0]?.body).not.toHaveProperty('client_secret');
      expect(keyVaultReads(CERTIFICATE_NAME)).toHaveLength(1);
      expect(keyVaultReads(DEMO_SECRET_NAME)).toHaveLength(0);
    });

    it('signs in with a PKCS#12 certificate from Key Vault (as `az ... --create-cert --keyvault` stores it)', async () => {
      const { certPem, keyPem } = await makeCertificate();
      const dir = mkdtempSync(join(tmpdir(), 'pfx-'));
      try {
        writeFileSync(join(dir, 'key.pem'), keyPem);
        writeFileSync(join(dir, 'cert.pem'), certPem);
        execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem'), '-passout', 'pass:', '-out', join(dir, 'cert.pfx')]);
        azure.keyVault.setSecret(CERTIFICATE_NAME, readFileSync(join(dir, 'cert.pfx')).toString('base64'), { contentType: 'application/x-pkcs12' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      azure.entra.setAppCertificates(DEMO_SERVICE_PRINCIPAL.clientId, [certPem]);
      azure.entra.setAppSecrets(DEMO_SERVICE_PRINCIPAL.clientId, []);
      const broker = createBroker(loadConfig(settings()), { now });
      const outcome = await broker.embedReport({ claims: alice }, 'sales-overview');
      expect(outcome.config.tokenType).toBe('Embed');
      expect(entraTokenCalls().at(-1)).toMatchObject({ status: 200, body: { client_assertion_type: CLIENT_ASSERTION_TYPE } });
    });

    it('re-reads the certificate once when Entra refuses the old one after a rotation', async () => {
      const first = await makeCertificate();
      azure.entra.setAppCertificates(DEMO_SERVICE_PRINCIPAL.clientId, [first.certPem]);
      azure.keyVault.setSecret(CERTIFICATE_NAME, `${first.keyPem}${first.certPem}`, { contentType: 'application/x-pem-file' });
      azure.entra.setTokenLifetime(60 * 60);
      const broker = createBroker(loadConfig(settings()), { now });
      await broker.embedReport({ claims: alice }, 'sales-overview');

      // The operator rotates: Entra trusts only the new certificate, Key Vault holds it.
      const second = await makeCertificate();
      azure.entra.setAppCertificates(DEMO_SERVICE_PRINCIPAL.clientId, [second.certPem]);
      azure.keyVault.setSecret(CERTIFICATE_NAME, `${second.keyPem}${second.certPem}`, { contentType: 'application/x-pem-file' });
      azure.entra.server.log.clear();
      azure.keyVault.server.log.clear();

      // 40 minutes on the Entra token is too short for the minimum: a new one is needed.
      offsetMs += 40 * 60_000;
      const outcome = await broker.embedReport({ claims: alice }, 'sales-overview');
      expect(outcome.config.tokenType).toBe('Embed');
      expect(entraTokenCalls().map((c) => c.status)).toEqual([401, 200]);
      expect(keyVaultReads(CERTIFICATE_NAME)).toHaveLength(1);
    });

    it('is not ready when the Key Vault value has no private key, and names only the code and upstream', async () => {
      const { certPem } = await makeCertificate();
      azure.keyVault.setSecret('certificate-without-key', certPem, { contentType: 'application/x-pem-file' });
      const broker = createBroker(loadConfig({ ...settings(), POWERBI_CERTIFICATE_NAME: 'certificate-without-key' }), { now });
      const report = await broker.readiness();
      expect(report.ready).toBe(false);
      expect(report.checks[0]?.detail).toBe('upstream_invalid_response (keyvault)');
      expect(report.checks[0]?.detail).not.toContain('BEGIN CERTIFICATE');
      expect(entraTokenCalls()).toHaveLength(0);
    });
  });
});
