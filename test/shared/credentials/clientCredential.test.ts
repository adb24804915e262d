import 'reflect-metadata';
import { createHash, KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { certificateFromPem } from '../../../shared/credentials/clientCredential';
import { BrokerError } from '../../../shared/errors/brokerError';

// A Key Vault certificate exported as PEM (key and certificate in one secret value) becomes
// msal's client certificate: the SHA-256 thumbprint of the DER certificate, the key, the chain.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

interface TestCertificate {
  certPem: string;
  keyPem: string;
  pkcs1KeyPem: string;
  der: Buffer;
}

async function makeCertificate(): Promise<TestCertificate> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=powerbi-embed-broker unit test',
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2027, 0, 1)),
    signingAlgorithm: algorithm,
    keys,
  });
  const key = KeyObject.from(keys.privateKey);
  return {
    certPem: cert.toString('pem'),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pkcs1KeyPem: key.export({ type: 'pkcs1', format: 'pem' }).toString(),
    der: Buffer.from(cert.rawData),
  };
}

async function brokerError(fn: () => unknown): Promise<BrokerError> {
  try {
    fn();
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error('expected a BrokerError');
}

describe('certificateFromPem', () => {
  let cert: TestCertificate;

  beforeAll(async () => {
    cert = await makeCertificate();
  });

  it('reads key and certificate (as Key Vault exports them) and gives the SHA-256 thumbprint of the DER certificate', () => {
    const credential = certificateFromPem(`${cert.keyPem}${cert.certPem}`);
    const expected = createHash('sha256').update(cert.der).digest('hex');
    expect(credential).toEqual({ kind: 'certificate', thumbprintSha256: expected, privateKey: cert.keyPem.trim(), x5c: cert.certPem.trim() });
    // The same value node computes for the certificate, without the colons.
    expect(expected).toBe(new X509Certificate(cert.certPem).fingerprint256.replace(/:/g, '').toLowerCase());
  });

  it('accepts the certificate before the key, CRLF line ends, and a PKCS#1 RSA key', () => {
    const pem = `${cert.certPem}\r\n${cert.pkcs1KeyPem}`.replace(/\n/g, '\r\n');
    const credential = certificateFromPem(pem);
    expect(credential.kind).toBe('certificate');
    if (credential.kind !== 'certificate') return;
    expect(credential.thumbprintSha256).toBe(createHash('sha256').update(cert.der).digest('hex'));
    expect(credential.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----[\s\S]+-----END RSA PRIVATE KEY-----$/);
  });

  it('refuses a certificate without its private key with a BrokerError that quotes nothing of the value', async () => {
    const error = await brokerError(() => certificateFromPem(cert.certPem));
    expect(error.code).toBe('upstream_invalid_response');
    expect(error.extensions).toEqual({ upstream: 'keyvault' });
    expect(error.message).toMatch(/application\/x-pem-file/);
    expect(error.message).not.toContain('BEGIN');
  });

  it('refuses a key without its certificate', async () => {
    const error = await brokerError(() => certificateFromPem(cert.keyPem));
    expect(error.code).toBe('upstream_invalid_response');
    expect(error.message).not.toContain(cert.keyPem.split('\n')[1] as string);
  });

  it('refuses a PKCS#12 (base64) export, which is what Key Vault returns without the PEM content type', async () => {
    const error = await brokerError(() => certificateFromPem(Buffer.from('not a pem at all').toString('base64')));
    expect(error.code).toBe('upstream_invalid_response');
  });
});
