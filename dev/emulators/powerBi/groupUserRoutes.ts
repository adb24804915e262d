import type { EmulatorServer } from '../core/emulatorServer';
import { requireWorkspaceAccess } from './access';
import type { PowerBiContext } from './context';
import { badRequest, notAuthorized, powerBiError } from './errors';
import type { GroupPrincipalType, GroupUserAccessRight } from './model';
import { asObject, optionalString } from './requestFields';

// Workspace access: Get Group Users and Add Group User. Adding takes an Admin or a Member of the
// workspace (a Member cannot make an Admin); a principal already there is refused, its role is
// changed with Update Group User instead (not emulated).

const GROUP_USERS = '/v1.0/myorg/groups/:groupId/users';
const ACCESS_RIGHTS: readonly GroupUserAccessRight[] = ['Admin', 'Member', 'Contributor', 'Viewer'];
const PRINCIPAL_TYPES: readonly GroupPrincipalType[] = ['App', 'Group', 'User'];

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], target: string): T {
  const found = allowed.find((a) => a.toLowerCase() === value?.toLowerCase());
  if (!found) throw badRequest(target, `The value must be one of ${allowed.join(', ')}.`);
  return found;
}

export function addGroupUserRoutes(server: EmulatorServer, ctx: PowerBiContext): void {
  server.route('GET', GROUP_USERS, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#users`), value: ctx.model.workspaceUsers(workspace.id) } };
  });

  server.route('POST', GROUP_USERS, async (req, params) => {
    const actor = await ctx.actor(req);
    const workspace = requireWorkspaceAccess(ctx.model, actor, params.groupId);
    const body = asObject(req.json(), 'userDetails');
    const identifier = optionalString(body, 'identifier', 'userDetails')?.trim();
    if (!identifier) throw badRequest('userDetails.identifier', 'The identifier field is required.');
    const principalType = oneOf(optionalString(body, 'principalType', 'userDetails'), PRINCIPAL_TYPES, 'userDetails.principalType');
    const right = oneOf(optionalString(body, 'groupUserAccessRight', 'userDetails'), ACCESS_RIGHTS, 'userDetails.groupUserAccessRight');

    const users = ctx.model.workspaceUsers(workspace.id);
    const own = users.filter((user) => actor.memberIds.includes(user.identifier)).map((user) => user.groupUserAccessRight);
    const mayAdd = own.includes('Admin') || (own.includes('Member') && right !== 'Admin');
    if (!mayAdd) throw notAuthorized();
    if (users.some((user) => user.identifier === identifier.toLowerCase())) {
      throw powerBiError(400, 'AddingAlreadyExistsGroupUserNotSupportedError', `The principal ${identifier} already has access to the workspace.`);
    }
    ctx.model.setWorkspaceUser(workspace.id, { identifier, principalType, groupUserAccessRight: right });
    return { status: 200 };
  });
}
