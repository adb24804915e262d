import type { ResolvedCustomer } from '../policy/customers';
import type { Claims } from '../policy/claims';
import type { EmbedToken, GenerateTokenV1Request, GenerateTokenV2Request, V1Target } from '../powerbi/powerBiClient';
import type { ItemMetadataCache, MetadataScope } from '../powerbi/itemMetadata';
import type { EmbedPolicy } from '../policy/embedPolicy';
import type { EmbedTokenCache } from './embedTokenCache';

// What every embed path takes: the authenticated caller, and the parts it is composed from.

export interface EmbedCaller {
  /** Validated claims: the only source of the effective identity. */
  claims: Claims;
  /** The caller's raw bearer token, for on-behalf-of (jwt mode only). Never logged, never cached by itself. */
  bearerToken?: string;
  /** The caller's customer, when the policy has customers. */
  customer?: ResolvedCustomer;
}

/** How Power BI is reached for one customer: its profile or its own principal, and who that principal is. */
export interface PowerBiAccess {
  scope: MetadataScope;
  /** Object id of the principal the calls act as: the username of an Azure Analysis Services identity. */
  principalObjectId?: string;
}

export interface EmbedDeps {
  policy: EmbedPolicy;
  metadata: ItemMetadataCache;
  tokens: EmbedTokenCache;
  /** The principal and profile for a caller's customer (the broker's own for none). */
  accessFor: (customer: ResolvedCustomer | undefined) => PowerBiAccess;
  generateToken: (request: GenerateTokenV2Request, deadline: number, access: PowerBiAccess) => Promise<EmbedToken>;
  generateTokenV1: (target: V1Target, request: GenerateTokenV1Request, deadline: number, access: PowerBiAccess) => Promise<EmbedToken>;
  /** An Azure SQL token for the caller (on-behalf-of its bearer token), for SSO datasets. */
  sqlTokenFor?: (bearerToken: string, deadline: number) => Promise<string>;
}
