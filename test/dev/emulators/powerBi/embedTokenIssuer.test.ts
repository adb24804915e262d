import type { Actor } from '../../../../dev/emulators/powerBi/access';
import { EmbedTokenCodec } from '../../../../dev/emulators/powerBi/embedTokenCodec';
import { DEFAULT_REMEMBERED_EMBED_TOKENS, EmbedTokenIssuer } from '../../../../dev/emulators/powerBi/embedTokenIssuer';
import type { GrantedScope, TokenScope } from '../../../../dev/emulators/powerBi/generateTokenRules';
import { TrialEmbedTokenQuota } from '../../../../dev/emulators/powerBi/trialQuota';

describe('EmbedTokenIssuer', () => {
  const now = Date.parse('2026-11-25T00:00:00Z');
  const actor: Actor = { caller: { oid: 'sp', exp: now / 1000 + 3600, isServicePrincipal: true, ids: ['sp'] }, memberIds: ['sp'] };
  const scope: TokenScope = { version: 'V2', datasets: [], reports: [], dashboards: [], tiles: [], targetWorkspaces: [], identities: [] };
  const granted: GrantedScope = { reports: [], datasets: [], dashboards: [], tiles: [], targetWorkspaces: [], workspaces: [] };
  const issuer = (remember?: number) =>
    new EmbedTokenIssuer({
      codec: new EmbedTokenCodec('secret'),
      quota: new TrialEmbedTokenQuota(undefined),
      now: () => now,
      defaultLifetimeMinutes: 60,
      ...(remember !== undefined ? { remember } : {}),
    });

  it('remembers only the last 1000 tokens by default, while older ones still decode', () => {
    expect(DEFAULT_REMEMBERED_EMBED_TOKENS).toBe(1000);
    const tokens = issuer();
    const answers = Array.from({ length: DEFAULT_REMEMBERED_EMBED_TOKENS + 5 }, () => tokens.issue(actor, scope, granted));
    const listed = tokens.list();
    expect(listed).toHaveLength(DEFAULT_REMEMBERED_EMBED_TOKENS);
    expect(listed[0]?.tokenId).toBe(answers[5]?.tokenId);
    expect(listed.at(-1)?.tokenId).toBe(answers.at(-1)?.tokenId);
    expect(tokens.decode(answers[0]?.token as string).tokenId).toBe(answers[0]?.tokenId);
  });

  it('takes a smaller limit', () => {
    const tokens = issuer(2);
    const answers = [1, 2, 3].map(() => tokens.issue(actor, scope, granted));
    expect(tokens.list().map((t) => t.tokenId)).toEqual(answers.slice(1).map((a) => a.tokenId));
  });
});
