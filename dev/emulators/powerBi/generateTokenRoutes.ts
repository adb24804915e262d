import type { EmulatorResponse, EmulatorServer } from '../core/emulatorServer';
import { pathGuid, requireWorkspaceAccess, type Actor } from './access';
import type { PowerBiContext } from './context';
import { datasetNotFound, entityNotFound, invalidRequest } from './errors';
import { parseV1Request, parseV2Request, type V1TokenRequest } from './generateTokenRequest';
import { checkTokenScope, type TokenScope } from './generateTokenRules';

// GenerateToken: the V2 multi-resource call, and the V1 per-item calls (the only way to
// embed dashboards and tiles). Each builds a TokenScope; one set of rules checks them all.

const GROUP = '/v1.0/myorg/groups/:groupId';

function answer(ctx: PowerBiContext, actor: Actor, scope: TokenScope): EmulatorResponse {
  const granted = checkTokenScope(ctx.model, actor, scope);
  const token = ctx.issuer.issue(actor, scope, granted);
  return { status: 200, body: { '@odata.context': ctx.odataContext('$metadata#Microsoft.PowerBI.ServiceContracts.Api.V1.EmbedToken'), ...token } };
}

/** The parts of a V1 body every V1 scope carries. */
function v1Scope(body: V1TokenRequest): Pick<TokenScope, 'version' | 'identities' | 'allowSaveAs' | 'lifetimeInMinutes'> {
  return { version: 'V1', identities: body.identities, allowSaveAs: body.allowSaveAs, ...(body.lifetimeInMinutes !== undefined ? { lifetimeInMinutes: body.lifetimeInMinutes } : {}) };
}

const none = { datasets: [], reports: [], dashboards: [], tiles: [], targetWorkspaces: [] };

export function addGenerateTokenRoutes(server: EmulatorServer, ctx: PowerBiContext): void {
  server.route('POST', '/v1.0/myorg/GenerateToken', async (req) => {
    const actor = await ctx.actor(req);
    const body = parseV2Request(req.json());
    return answer(ctx, actor, {
      ...none,
      version: 'V2',
      datasets: body.datasets,
      reports: body.reports,
      targetWorkspaces: body.targetWorkspaces.map((workspace) => workspace.id),
      identities: body.identities,
      datasourceIdentities: body.datasourceIdentities,
      ...(body.lifetimeInMinutes !== undefined ? { lifetimeInMinutes: body.lifetimeInMinutes } : {}),
    });
  });

  // Create: a token to build a new report over a dataset, saved into this workspace.
  server.route('POST', `${GROUP}/reports/GenerateToken`, async (req, params) => {
    const actor = await ctx.actor(req);
    const workspace = requireWorkspaceAccess(ctx.model, actor, params.groupId);
    const body = parseV1Request(req.json());
    if (body.accessLevel !== 'Create') throw invalidRequest('Creating a report requires accessLevel Create.');
    if (!body.datasetId) throw invalidRequest('Creating a report requires datasetId.');
    return answer(ctx, actor, { ...none, ...v1Scope(body), accessLevel: 'Create', datasets: [{ id: body.datasetId, xmlaPermissions: 'Off' }], targetWorkspaces: [workspace.id] });
  });

  server.route('POST', `${GROUP}/reports/:reportId/GenerateToken`, async (req, params) => {
    const actor = await ctx.actor(req);
    const workspace = requireWorkspaceAccess(ctx.model, actor, params.groupId);
    const report = ctx.model.report(pathGuid(params.reportId, 'reportId'));
    if (!report || report.workspaceId !== workspace.id) throw entityNotFound();
    const body = parseV1Request(req.json());
    const accessLevel = body.accessLevel ?? 'View';
    if (accessLevel === 'Create') throw invalidRequest('accessLevel Create is only valid for /reports/GenerateToken (creating a report).');
    return answer(ctx, actor, {
      ...none,
      ...v1Scope(body),
      accessLevel,
      reports: [{ id: report.id, allowEdit: accessLevel === 'Edit' }],
      datasets: report.datasetId ? [{ id: report.datasetId, xmlaPermissions: 'Off' }] : [],
    });
  });

  server.route('POST', `${GROUP}/datasets/:datasetId/GenerateToken`, async (req, params) => {
    const actor = await ctx.actor(req);
    const workspace = requireWorkspaceAccess(ctx.model, actor, params.groupId);
    const id = pathGuid(params.datasetId, 'datasetId');
    const dataset = ctx.model.dataset(id);
    if (!dataset || dataset.workspaceId !== workspace.id) throw datasetNotFound(id);
    const body = parseV1Request(req.json());
    const accessLevel = body.accessLevel ?? 'View';
    return answer(ctx, actor, {
      ...none,
      ...v1Scope(body),
      accessLevel,
      datasets: [{ id: dataset.id, xmlaPermissions: 'Off' }],
      targetWorkspaces: accessLevel === 'Create' ? [workspace.id] : [],
    });
  });

  server.route('POST', `${GROUP}/dashboards/:dashboardId/GenerateToken`, async (req, params) => {
    const actor = await ctx.actor(req);
    const workspace = requireWorkspaceAccess(ctx.model, actor, params.groupId);
    const dashboard = ctx.model.dashboard(pathGuid(params.dashboardId, 'dashboardId'));
    if (!dashboard || dashboard.workspaceId !== workspace.id) throw entityNotFound();
    const body = parseV1Request(req.json());
    if ((body.accessLevel ?? 'View') !== 'View') throw invalidRequest('Dashboards can only be embedded with accessLevel View.');
    // The dashboard shows data from its tiles' datasets: identities apply to those.
    const datasetIds = [...new Set(ctx.model.tilesOf(dashboard.id).flatMap((tile) => (tile.datasetId ? [tile.datasetId] : [])))];
    return answer(ctx, actor, {
      ...none,
      ...v1Scope(body),
      accessLevel: 'View',
      dashboards: [dashboard.id],
      datasets: datasetIds.map((datasetId) => ({ id: datasetId, xmlaPermissions: 'Off' })),
    });
  });

  server.route('POST', `${GROUP}/dashboards/:dashboardId/tiles/:tileId/GenerateToken`, async (req, params) => {
    const actor = await ctx.actor(req);
    const workspace = requireWorkspaceAccess(ctx.model, actor, params.groupId);
    const dashboardId = pathGuid(params.dashboardId, 'dashboardId');
    const dashboard = ctx.model.dashboard(dashboardId);
    const tile = ctx.model.tile(dashboardId, pathGuid(params.tileId, 'tileId'));
    if (!dashboard || dashboard.workspaceId !== workspace.id || !tile) throw entityNotFound();
    const body = parseV1Request(req.json());
    if ((body.accessLevel ?? 'View') !== 'View') throw invalidRequest('Tiles can only be embedded with accessLevel View.');
    return answer(ctx, actor, {
      ...none,
      ...v1Scope(body),
      accessLevel: 'View',
      tiles: [{ id: tile.id, dashboardId: dashboard.id }],
      datasets: tile.datasetId ? [{ id: tile.datasetId, xmlaPermissions: 'Off' }] : [],
    });
  });
}
