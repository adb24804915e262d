import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { certificateFromPem, certificateFromSecret } from '../../../shared/credentials/clientCredential';
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

describe('certificateFromSecret with PKCS#12 (as `az ad app credential reset --create-cert --keyvault` stores it)', () => {
  let cert: TestCertificate;
  let other: TestCertificate;
  let dir: string;

  beforeAll(async () => {
    [cert, other] = await Promise.all([makeCertificate(), makeCertificate()]);
    dir = mkdtempSync(join(tmpdir(), 'pfx-'));
    writeFileSync(join(dir, 'key.pem'), cert.keyPem);
    writeFileSync(join(dir, 'cert.pem'), cert.certPem);
    writeFileSync(join(dir, 'chain.pem'), other.certPem);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A PFX made by openssl, not by the library under test, base64 as Key Vault returns it. */
  function pfx(...args: string[]): string {
    const out = join(dir, 'out.pfx');
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem'), '-passout', 'pass:', '-out', out, ...args]);
    return readFileSync(out).toString('base64');
  }

  const expectedThumbprint = () => createHash('sha256').update(cert.der).digest('hex');

  it.each([
    ['AES-256 (OpenSSL 3 and Key Vault today)', [] as string[]],
    ['3DES with a SHA-1 MAC (older tools)', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
    ['a chain beside the leaf', ['-certfile', 'CHAIN']],
  ])('reads a PFX with %s, picking the certificate of the private key', (_name, args) => {
    const credential = certificateFromSecret(pfx(...args.map((a) => (a === 'CHAIN' ? join(dir, 'chain.pem') : a))), 'application/x-pkcs12');
    expect(credential).toMatchObject({ kind: 'certificate', thumbprintSha256: expectedThumbprint() });
    if (credential.kind !== 'certificate') return;
    expect(createPrivateKey(credential.privateKey).export({ type: 'pkcs8', format: 'pem' })).toBe(cert.keyPem);
  });

  it('reads PEM by its content type, and when none is given', () => {
    for (const type of ['application/x-pem-file', undefined]) {
      expect(certificateFromSecret(`${cert.keyPem}${cert.certPem}`, type)).toMatchObject({ kind: 'certificate', thumbprintSha256: expectedThumbprint() });
    }
  });

  it('refuses a PFX that needs a password, or is not one, without quoting it', async () => {
    const locked = (() => {
      const out = join(dir, 'locked.pfx');
      execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'cert.pem'), '-passout', 'pass:hunter2', '-out', out]);
      return readFileSync(out).toString('base64');
    })();
    for (const value of [locked, 'bm90IGEgcGZ4']) {
      const error = await brokerError(() => certificateFromSecret(value, 'application/x-pkcs12'));
      expect(error).toMatchObject({ code: 'upstream_invalid_response', extensions: { upstream: 'keyvault' } });
      expect(error.message).not.toContain(value.slice(0, 12));
    }
  });
});
