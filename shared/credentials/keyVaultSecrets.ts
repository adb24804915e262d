import type { TokenCredential } from '@azure/identity';
import { createDefaultHttpClient } from '@azure/core-rest-pipeline';
import { SecretClient } from '@azure/keyvault-secrets';
import { BrokerError } from '../errors/brokerError';
import { ResponseRecorder, throttledError, type ObservedResponse } from '../upstream/responseRecorder';
import { settleWithin } from '../upstream/settleWithin';

// Reads the service principal's secret or certificate from Key Vault with the function's
// managed identity. The SDK's own pipeline does the challenge, retries and the request id; a
// hard timeout bounds the whole read, and a recorder on the SDK's HTTP client keeps the
// Retry-After of a throttled read the SDK gave up on.

export interface SecretValue {
  value: string;
  contentType: string | undefined;
}

export interface SecretReader {
  read(name: string): Promise<SecretValue>;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.startsWith('127.');
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

export interface KeyVaultFailureFacts {
  timedOut: boolean;
  throttle?: { status: number; retryAfterMs: number | undefined } | undefined;
}

export function keyVaultError(error: unknown, secretName: string, facts: KeyVaultFailureFacts): BrokerError {
  const rest = (error ?? {}) as RestErrorLike;
  const status = typeof rest.statusCode === 'number' ? rest.statusCode : undefined;
  const upstreamRequestId = rest.response?.headers?.get('x-ms-request-id');
  const code = typeof rest.code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(rest.code) ? rest.code : undefined;
  const extensions = { upstream: 'keyvault', ...(code ? { upstreamCode: code } : {}), ...(upstreamRequestId ? { upstreamRequestId } : {}), ...(status ? { upstreamStatus: status } : {}) };
  if (status === 404 || status === 401 || status === 403) {
    return new BrokerError('upstream_refused', `Key Vault refused to return "${secretName}" (${status}).`, { cause: error, extensions });
  }
  // A read the SDK waited out after a 429 is throttling, even when our own bound ended it.
  if (facts.throttle) return throttledError('Key Vault', facts.throttle, error, extensions);
  if (error instanceof BrokerError) return error;
  if (facts.timedOut) return new BrokerError('upstream_timeout', 'Key Vault did not answer in time.', { cause: error, extensions });
  return new BrokerError('upstream_unavailable', 'Key Vault is unavailable.', { cause: error, extensions });
}

/** Vault DNS suffixes of the Azure clouds, each with the resource its vaults' challenge names. */
const VAULT_SUFFIXES = ['vault.azure.net', 'vault.usgovcloudapi.net', 'vault.azure.cn'];

/**
 * The scope the SDK will ask the identity for once the vault's challenge names its resource:
 * `https://vault.azure.net/.default` for `https://x.vault.azure.net`. A loopback vault (the local
 * emulator) plays the public cloud's. Undefined for any other host: then nothing is guessed.
 */
export function keyVaultScopeOf(vaultUrl: string): string | undefined {
  const host = new URL(vaultUrl).hostname.toLowerCase();
  if (isLoopback(vaultUrl)) return `https://${VAULT_SUFFIXES[0]}/.default`;
  const suffix = VAULT_SUFFIXES.find((s) => host.endsWith(`.${s}`));
  return suffix ? `https://${suffix}/.default` : undefined;
}

export interface KeyVaultReaderOptions {
  vaultUrl: string;
  credential: TokenCredential;
  timeoutMs: number;
  now?: () => number;
  /** Each answer the SDK's pipeline got (every retry included), for dependency telemetry. */
  observe?: (response: ObservedResponse) => void;
  /**
   * Ask the credential for the vault's token beside the SDK's challenge (see read). Only for a
   * managed identity: a CLI login would be asked without the challenge's tenant, and is slow to ask.
   */
  tokenBesideChallenge?: boolean;
}

export function createKeyVaultSecretReader(options: KeyVaultReaderOptions): SecretReader {
  const now = options.now ?? Date.now;
  const recorder = new ResponseRecorder(now, options.observe);
  const client = new SecretClient(options.vaultUrl, options.credential, {
    // The challenge's resource host check cannot pass for a loopback vault (the local emulator).
    disableChallengeResourceVerification: isLoopback(options.vaultUrl),
    retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
    httpClient: recorder.wrap(createDefaultHttpClient()),
  });
  return {
    async read(name) {
      const started = now();
      // A read spans two vault calls and the identity's token (bounded on its own at one timeout),
      // so it gets two: a hung identity endpoint is then reported as itself.
      const boundMs = 2 * options.timeoutMs;
      const signal = AbortSignal.timeout(boundMs);
      let secret;
      // The SDK first sends the read unauthenticated, to learn the vault's resource from its
      // challenge, and only then asks the identity for a token. Asking now, beside the challenge,
      // saves that round trip: the SDK's request then finds the token cached or in flight (the
      // identity is single-flight per scope). A failure here is the SDK's to meet and report.
      const scope = options.tokenBesideChallenge ? keyVaultScopeOf(options.vaultUrl) : undefined;
      if (scope) options.credential.getToken(scope).catch(() => undefined);
      try {
        secret = await settleWithin(
          () => client.getSecret(name, { abortSignal: signal }),
          boundMs,
          () => new BrokerError('upstream_timeout', 'Key Vault did not answer in time.', { extensions: { upstream: 'keyvault' } }),
        );
      } catch (error) {
        throw keyVaultError(error, name, { timedOut: signal.aborted, throttle: recorder.throttledSince(started) });
      }
      if (secret.value === undefined) throw new BrokerError('upstream_invalid_response', `Key Vault secret "${name}" has no value.`, { extensions: { upstream: 'keyvault' } });
      return { value: secret.value, contentType: secret.properties.contentType };
    },
  };
}
