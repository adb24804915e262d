import type { EmulatorServer } from '../core/emulatorServer';
import { pathGuid, type Actor } from './access';
import type { PowerBiContext } from './context';
import { entityNotFound, invalidRequest, notAuthorized } from './errors';
import type { Profile } from './model';
import { asObject, optionalString } from './requestFields';

// Service principal profiles: a service principal creates them, then acts as one with the
// `X-PowerBI-Profile-Id` header (multi-tenancy without one app registration per customer).

function owned(profile: Profile | undefined, actor: Actor): profile is Profile {
  return profile !== undefined && actor.caller.ids.includes(profile.ownerId);
}

/** Only a service principal speaking for itself manages its profiles. */
async function owner(ctx: PowerBiContext, req: Parameters<PowerBiContext['actor']>[0]): Promise<Actor> {
  const actor = await ctx.actor(req);
  if (!actor.caller.isServicePrincipal || actor.profileId) throw notAuthorized();
  return actor;
}

const resource = (profile: Profile) => ({ id: profile.id, displayName: profile.displayName });

export function addProfileRoutes(server: EmulatorServer, ctx: PowerBiContext): void {
  server.route('POST', '/v1.0/myorg/profiles', async (req) => {
    const actor = await owner(ctx, req);
    const displayName = optionalString(asObject(req.json(), 'request'), 'displayName', 'request');
    if (!displayName?.trim()) throw invalidRequest('displayName must be provided.');
    const ownerId = actor.caller.oid ?? actor.caller.appid ?? '';
    const profile = ctx.model.addProfile({ displayName, ownerId });
    return { status: 201, body: { '@odata.context': ctx.odataContext('$metadata#profiles/$entity'), ...resource(profile) } };
  });

  server.route('GET', '/v1.0/myorg/profiles', async (req) => {
    const actor = await owner(ctx, req);
    const value = ctx.model.allProfiles().filter((profile) => owned(profile, actor)).map(resource);
    return { status: 200, body: { '@odata.context': ctx.odataContext('$metadata#profiles'), value } };
  });

  server.route('GET', '/v1.0/myorg/profiles/:profileId', async (req, params) => {
    const actor = await owner(ctx, req);
    const profile = ctx.model.profile(pathGuid(params.profileId, 'profileId'));
    if (!owned(profile, actor)) throw entityNotFound();
    return { status: 200, body: { '@odata.context': ctx.odataContext('$metadata#profiles/$entity'), ...resource(profile) } };
  });

  server.route('DELETE', '/v1.0/myorg/profiles/:profileId', async (req, params) => {
    const actor = await owner(ctx, req);
    const profile = ctx.model.profile(pathGuid(params.profileId, 'profileId'));
    if (!owned(profile, actor)) throw entityNotFound();
    ctx.model.removeProfile(profile.id);
    return { status: 200 };
  });
}
