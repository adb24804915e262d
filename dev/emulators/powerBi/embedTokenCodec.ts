import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { AccessLevel, DatasourceIdentity, EffectiveIdentity, XmlaPermissions } from './generateTokenRequest';

// Embed tokens are opaque to clients, as the service's are: the claims are sealed with
// AES-256-GCM under an emulator secret, so a client cannot read them and any change
// to a token makes it fail to decode. Only the emulator (or a test through it) opens them.

export interface EmbedTokenPrincipal {
  type: 'ServicePrincipal' | 'User';
  oid?: string;
  appid?: string;
  tid?: string;
}

export interface DecodedEmbedToken {
  tokenId: string;
  version: 'V1' | 'V2';
  issuedAt: string;
  expiration: string;
  /** Who called GenerateToken. */
  principal: EmbedTokenPrincipal;
  /** The service-principal profile the call acted as (`X-PowerBI-Profile-Id`). */
  profileId?: string;
  reports: { id: string; groupId: string; allowEdit: boolean }[];
  datasets: { id: string; groupId: string; xmlaPermissions: XmlaPermissions }[];
  dashboards: { id: string; groupId: string }[];
  tiles: { id: string; dashboardId: string; groupId: string }[];
  targetWorkspaces: { id: string }[];
  identities: EffectiveIdentity[];
  /** SSO tokens for paginated reports' data sources, when any were sent. */
  datasourceIdentities?: DatasourceIdentity[];
  /** V1 tokens only. */
  accessLevel?: AccessLevel;
  allowSaveAs?: boolean;
}

export class InvalidEmbedTokenError extends Error {
  override name = 'InvalidEmbedTokenError';
  readonly code = 'InvalidEmbedToken';
}

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class EmbedTokenCodec {
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = createHash('sha256').update('powerbi-emulator embed token\0').update(secret).digest();
  }

  encode(claims: DecodedEmbedToken): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(claims), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The claims of a token this codec issued; throws InvalidEmbedTokenError for anything else. */
  decode(token: string): DecodedEmbedToken {
    const bytes = typeof token === 'string' && /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
    if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT) throw new InvalidEmbedTokenError('not an embed token issued by this emulator');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as DecodedEmbedToken;
    } catch {
      throw new InvalidEmbedTokenError('the embed token was altered or sealed with another secret');
    }
  }
}
