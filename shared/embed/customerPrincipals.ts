import { LRUCache } from 'lru-cache';
import { entraError } from '../credentials/entraError';
import type { ServicePrincipalTokenProvider } from '../credentials/servicePrincipalToken';
import type { ResolvedCustomer } from '../policy/customers';
import { DEFAULT_SCOPE } from '../powerbi/itemMetadata';
import type { PowerBiAccess } from './embedCaller';

// How each customer reaches Power BI: as a profile of the broker's principal (X-PowerBI-Profile-Id),
// or as its own service principal. Each principal has its own cached, single-flight token
// provider, made on first use; at most `maxPrincipals` are kept (least recently used goes).

export const MAX_CUSTOMER_PRINCIPALS = 100;

export interface CustomerPrincipalsOptions {
  createProvider: (clientId: string) => ServicePrincipalTokenProvider;
  maxPrincipals?: number;
}

export class CustomerPrincipals {
  private readonly providers: LRUCache<string, ServicePrincipalTokenProvider>;

  constructor(private readonly options: CustomerPrincipalsOptions) {
    this.providers = new LRUCache({ max: options.maxPrincipals ?? MAX_CUSTOMER_PRINCIPALS });
  }

  /** How many principals have a provider now (bounded by maxPrincipals). */
  get size(): number {
    return this.providers.size;
  }

  provider(clientId: string): ServicePrincipalTokenProvider {
    const key = clientId.toLowerCase();
    let provider = this.providers.get(key);
    if (!provider) {
      provider = this.options.createProvider(clientId);
      this.providers.set(key, provider);
    }
    return provider;
  }

  accessFor(customer: ResolvedCustomer | undefined, ownObjectId: string | undefined): PowerBiAccess {
    const own = ownObjectId ? { principalObjectId: ownObjectId } : {};
    if (!customer) return { scope: DEFAULT_SCOPE, ...own };
    const { profileId, servicePrincipal } = customer.customer;
    if (servicePrincipal) {
      const { clientId, objectId } = servicePrincipal;
      return {
        scope: {
          key: `principal:${clientId.toLowerCase()}`,
          as: {
            principal: {
              getAccessToken: async () => {
                try {
                  return (await this.provider(clientId).getToken()).token;
                } catch (error) {
                  throw entraError(error);
                }
              },
              onTokenRejected: () => this.provider(clientId).invalidate(),
            },
          },
        },
        ...(objectId ? { principalObjectId: objectId } : {}),
      };
    }
    if (profileId) return { scope: { key: `profile:${profileId.toLowerCase()}`, as: { profileId } }, ...own };
    return { scope: DEFAULT_SCOPE, ...own };
  }
}
