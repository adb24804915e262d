import { createPrivateKey, X509Certificate } from 'node:crypto';
import type * as Forge from 'node-forge';
import { BrokerError } from '../errors/brokerError';

// What the service principal proves itself with: a client secret, a certificate (key and
// certificate, as Key Vault exports them: PEM, or PKCS#12 as `az ... --create-cert --keyvault`
// stores them), or a federated assertion.

export type ClientCredential =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; thumbprintSha256: string; privateKey: string; x5c: string }
  | { kind: 'assertion'; getAssertion: () => Promise<string> };

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

export function certificateFromPem(pem: string): ClientCredential {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const key = blocks.find((b) => /PRIVATE KEY$/.test(b[1] as string))?.[0];
  const cert = blocks.find((b) => b[1] === 'CERTIFICATE')?.[0];
  if (!key || !cert) {
    throw new BrokerError('upstream_invalid_response', 'The Key Vault certificate must be exported as PEM with its private key (content type application/x-pem-file).', {
      extensions: { upstream: 'keyvault' },
    });
  }
  const thumbprintSha256 = new X509Certificate(cert).fingerprint256.replace(/:/g, '').toLowerCase();
  return { kind: 'certificate', thumbprintSha256, privateKey: key, x5c: cert };
}

export const PKCS12_CONTENT_TYPE = 'application/x-pkcs12';

function pkcs12Refused(why: string, cause?: unknown): BrokerError {
  return new BrokerError('upstream_invalid_response', `The Key Vault certificate is PKCS#12 but ${why}.`, { extensions: { upstream: 'keyvault' }, ...(cause === undefined ? {} : { cause }) });
}

/** A PKCS#12 (PFX) certificate as Key Vault keeps it: base64, no password. */
export function certificateFromPkcs12(base64: string): ClientCredential {
  // Required only here: most deployments never read a PFX, and loading the library costs start-up time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading it is the cost being avoided
  const forge = require('node-forge') as typeof Forge;
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(base64.trim());
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), '');
  } catch (error) {
    throw pkcs12Refused('cannot be read without a password', error);
  }
  const keyBags = [...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag ?? '' })[forge.pki.oids.pkcs8ShroudedKeyBag ?? ''] ?? []), ...(p12.getBags({ bagType: forge.pki.oids.keyBag ?? '' })[forge.pki.oids.keyBag ?? ''] ?? [])];
  const key = keyBags.find((bag) => bag.key)?.key;
  if (!key) throw pkcs12Refused('holds no private key');
  const keyPem = forge.pki.privateKeyToPem(key);
  const privateKey = createPrivateKey(keyPem);
  // The certificate of this private key: a PFX may also carry its chain.
  const certificates = (p12.getBags({ bagType: forge.pki.oids.certBag ?? '' })[forge.pki.oids.certBag ?? ''] ?? []).flatMap((bag) => (bag.cert ? [forge.pki.certificateToPem(bag.cert)] : []));
  const leaf = certificates.find((pem) => new X509Certificate(pem).checkPrivateKey(privateKey));
  if (!leaf) throw pkcs12Refused('holds no certificate for its private key');
  return certificateFromPem(`${keyPem}\n${leaf}`);
}

/** The certificate secret Key Vault returns, read by its content type. */
export function certificateFromSecret(value: string, contentType: string | undefined): ClientCredential {
  return contentType?.toLowerCase() === PKCS12_CONTENT_TYPE ? certificateFromPkcs12(value) : certificateFromPem(value);
}
