import { randomUUID } from 'node:crypto';
import type { Actor } from './access';
import { EmbedTokenCodec, type DecodedEmbedToken } from './embedTokenCodec';
import type { GrantedScope, TokenScope } from './generateTokenRules';
import { embedTokenExpiration, serviceTime } from './lifetime';
import type { TrialEmbedTokenQuota } from './trialQuota';

// Turns a checked scope into a sealed embed token, and remembers what it issued so tests
// and a local embed page can see exactly what each token grants. Only the most recent
// tokens are remembered (DEFAULT_REMEMBERED_EMBED_TOKENS), so a long-running emulator's
// memory stays bounded; a forgotten token still decodes, as its claims are sealed inside it.

/** How many issued tokens `list()` keeps by default: the most recent ones. */
export const DEFAULT_REMEMBERED_EMBED_TOKENS = 1000;

export interface EmbedTokenAnswer {
  token: string;
  tokenId: string;
  expiration: string;
}

export interface IssuedEmbedToken extends DecodedEmbedToken {
  token: string;
}

export interface EmbedTokenIssuerOptions {
  codec: EmbedTokenCodec;
  quota: TrialEmbedTokenQuota;
  now: () => number;
  defaultLifetimeMinutes: number;
  /** How many of the most recently issued tokens to remember. Default DEFAULT_REMEMBERED_EMBED_TOKENS. */
  remember?: number;
}

export class EmbedTokenIssuer {
  private issued: IssuedEmbedToken[] = [];
  private defaultLifetimeMinutes: number;

  constructor(private readonly options: EmbedTokenIssuerOptions) {
    this.defaultLifetimeMinutes = options.defaultLifetimeMinutes;
  }

  /** The lifetime of a token whose request names none (may be a fraction, for tests of short-lived tokens). */
  get lifetimeMinutes(): number {
    return this.defaultLifetimeMinutes;
  }

  set lifetimeMinutes(minutes: number) {
    if (!(minutes > 0)) throw new RangeError('the default embed-token lifetime must be positive');
    this.defaultLifetimeMinutes = minutes;
  }

  issue(actor: Actor, scope: TokenScope, granted: GrantedScope): EmbedTokenAnswer {
    this.options.quota.consume(granted.workspaces);
    const nowMs = this.options.now();
    const expiration = embedTokenExpiration({
      nowMs,
      accessTokenExp: actor.caller.exp,
      defaultMinutes: this.defaultLifetimeMinutes,
      ...(scope.lifetimeInMinutes !== undefined ? { lifetimeInMinutes: scope.lifetimeInMinutes } : {}),
    });
    const { caller } = actor;
    const claims: DecodedEmbedToken = {
      tokenId: randomUUID(),
      version: scope.version,
      issuedAt: serviceTime(new Date(nowMs)),
      expiration: serviceTime(expiration),
      principal: {
        type: caller.isServicePrincipal ? 'ServicePrincipal' : 'User',
        ...(caller.oid ? { oid: caller.oid } : {}),
        ...(caller.appid ? { appid: caller.appid } : {}),
        ...(caller.tid ? { tid: caller.tid } : {}),
      },
      ...(actor.profileId ? { profileId: actor.profileId } : {}),
      reports: granted.reports,
      datasets: granted.datasets,
      dashboards: granted.dashboards,
      tiles: granted.tiles,
      targetWorkspaces: granted.targetWorkspaces,
      identities: scope.identities,
      ...(scope.datasourceIdentities?.length ? { datasourceIdentities: scope.datasourceIdentities } : {}),
      ...(scope.accessLevel ? { accessLevel: scope.accessLevel } : {}),
      ...(scope.allowSaveAs !== undefined ? { allowSaveAs: scope.allowSaveAs } : {}),
    };
    const token = this.options.codec.encode(claims);
    this.issued.push({ ...claims, token });
    const limit = this.options.remember ?? DEFAULT_REMEMBERED_EMBED_TOKENS;
    if (this.issued.length > limit) this.issued.splice(0, this.issued.length - limit);
    return { token, tokenId: claims.tokenId, expiration: claims.expiration };
  }

  decode(token: string): DecodedEmbedToken {
    return this.options.codec.decode(token);
  }

  /** The most recently issued tokens (at most `remember`), oldest first. */
  list(): IssuedEmbedToken[] {
    return [...this.issued];
  }

  reset(): void {
    this.issued = [];
    this.defaultLifetimeMinutes = this.options.defaultLifetimeMinutes;
    this.options.quota.reset();
  }
}
