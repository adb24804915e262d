import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { BrokerError } from '../errors/brokerError';
import { parseRetryAfterMs } from '../http/retryAfter';
import { isTimeoutError } from '../errors/isTimeout';

// Reads the service principal's secret or certificate from Key Vault with the function's
// managed identity. The SDK's own pipeline does the challenge, retries and the request id.

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
  request?: { requestId?: string };
  response?: { headers?: { get(name: string): string | undefined } };
}

export function keyVaultError(error: unknown, secretName: string): BrokerError {
  const rest = error as RestErrorLike;
  const status = rest?.statusCode;
  const upstreamRequestId = rest?.response?.headers?.get('x-ms-request-id');
  const extensions = { upstream: 'keyvault', ...(rest?.code ? { upstreamCode: rest.code } : {}), ...(upstreamRequestId ? { upstreamRequestId } : {}) };
  if (status === 404 || status === 401 || status === 403) {
    return new BrokerError('upstream_refused', `Key Vault refused to return "${secretName}" (${status}).`, { cause: error, extensions });
  }
  if (isTimeoutError(error)) {
    return new BrokerError('upstream_timeout', 'Key Vault did not answer in time.', { cause: error, extensions });
  }
  const retryAfterMs = parseRetryAfterMs(rest?.response?.headers?.get('retry-after'), Date.now());
  return new BrokerError('upstream_unavailable', 'Key Vault is unavailable.', { cause: error, extensions, ...(retryAfterMs !== undefined ? { retryAfterSeconds: retryAfterMs / 1000 } : {}) });
}

export function createKeyVaultSecretReader(options: { vaultUrl: string; credential: TokenCredential; timeoutMs: number }): SecretReader {
  const client = new SecretClient(options.vaultUrl, options.credential, {
    // The challenge's resource host check cannot pass for a loopback vault (the local emulator).
    disableChallengeResourceVerification: isLoopback(options.vaultUrl),
    retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
  });
  return {
    async read(name) {
      try {
        const secret = await client.getSecret(name, { abortSignal: AbortSignal.timeout(options.timeoutMs) });
        if (secret.value === undefined) throw new BrokerError('upstream_invalid_response', `Key Vault secret "${name}" has no value.`, { extensions: { upstream: 'keyvault' } });
        return { value: secret.value, contentType: secret.properties.contentType };
      } catch (error) {
        if (error instanceof BrokerError) throw error;
        throw keyVaultError(error, name);
      }
    },
  };
}
