import type { EmulatorRequest } from '../core/emulatorServer';
import type { Caller } from './auth';
import { badRequest, entityNotFound, notAuthorized, powerBiError } from './errors';
import { isGuid, normalizeId } from './ids';
import type { PowerBiModel, Workspace } from './model';

// Who a call acts as, and whether that actor may see a workspace. With the
// `X-PowerBI-Profile-Id` header a service principal acts as one of its profiles:
// workspace membership is then checked for the profile, not the principal.

export const PROFILE_HEADER = 'X-PowerBI-Profile-Id';

export interface Actor {
  caller: Caller;
  profileId?: string;
  /** Ids matched against workspace members. */
  memberIds: string[];
}

export function resolveActor(req: EmulatorRequest, caller: Caller, model: PowerBiModel): Actor {
  const header = req.header(PROFILE_HEADER);
  if (header === undefined) return { caller, memberIds: caller.ids };
  if (!isGuid(header.trim())) throw powerBiError(403, 'InvalidProfileHeader', `The ${PROFILE_HEADER} header must be a GUID.`);
  const profile = model.profile(header.trim());
  // Another principal's profile answers like an unknown one: existence is not leaked.
  if (!caller.isServicePrincipal || !profile || !caller.ids.includes(profile.ownerId)) throw notAuthorized();
  return { caller, profileId: profile.id, memberIds: [profile.id] };
}

export function isMember(workspace: Workspace, actor: Actor): boolean {
  return actor.memberIds.some((id) => workspace.members.includes(id));
}

/** The workspace of a `/groups/{groupId}/...` path: 400 when not a GUID, 404 when unknown, 403 when not a member. */
export function requireWorkspaceAccess(model: PowerBiModel, actor: Actor, groupId: string | undefined): Workspace {
  if (!isGuid(groupId)) throw badRequest('groupId', 'Unrecognized Guid format.');
  const workspace = model.workspace(normalizeId(groupId));
  if (!workspace) throw entityNotFound();
  if (!isMember(workspace, actor)) throw notAuthorized();
  return workspace;
}

/** A path id that must be a GUID (`reportId`, `datasetId`...). */
export function pathGuid(value: string | undefined, name: string): string {
  if (!isGuid(value)) throw badRequest(name, 'Unrecognized Guid format.');
  return normalizeId(value);
}
