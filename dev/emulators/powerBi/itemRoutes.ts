import type { EmulatorServer } from '../core/emulatorServer';
import { isMember, pathGuid, requireWorkspaceAccess } from './access';
import type { PowerBiContext } from './context';
import { datasetNotFound, entityNotFound } from './errors';
import { dashboardResource, datasetResource, reportDatasources, reportResource, tileResource, workspaceResource } from './resources';

// Read endpoints: Get Groups, Get Report(s) / Dataset(s) / Dashboard(s) / Tile(s) In Group.

const GROUP = '/v1.0/myorg/groups/:groupId';

export function addItemRoutes(server: EmulatorServer, ctx: PowerBiContext): void {
  server.route('GET', '/v1.0/myorg/groups', async (req) => {
    const actor = await ctx.actor(req);
    const value = ctx.model.allWorkspaces().filter((workspace) => isMember(workspace, actor)).map(workspaceResource);
    return { status: 200, body: { '@odata.context': ctx.odataContext('$metadata#groups'), '@odata.count': value.length, value } };
  });

  server.route('GET', `${GROUP}/reports`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const value = ctx.model.reportsIn(workspace.id).map((report) => reportResource(report, ctx.urls, report.datasetId && ctx.model.dataset(report.datasetId)?.workspaceId));
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#reports`), value } };
  });

  server.route('GET', `${GROUP}/reports/:reportId`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const report = ctx.model.report(pathGuid(params.reportId, 'reportId'));
    if (!report || report.workspaceId !== workspace.id) throw entityNotFound();
    const datasetWorkspaceId = report.datasetId && ctx.model.dataset(report.datasetId)?.workspaceId;
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#reports/$entity`), ...reportResource(report, ctx.urls, datasetWorkspaceId) } };
  });

  server.route('GET', `${GROUP}/reports/:reportId/datasources`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const report = ctx.model.report(pathGuid(params.reportId, 'reportId'));
    if (!report || report.workspaceId !== workspace.id) throw entityNotFound();
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#datasources`), value: reportDatasources(report) } };
  });

  server.route('GET', `${GROUP}/datasets`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const value = ctx.model.datasetsIn(workspace.id).map((dataset) => datasetResource(dataset, ctx.urls, (id) => ctx.model.dataset(id)?.workspaceId));
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#datasets`), value } };
  });

  server.route('GET', `${GROUP}/datasets/:datasetId`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const id = pathGuid(params.datasetId, 'datasetId');
    const dataset = ctx.model.dataset(id);
    if (!dataset || dataset.workspaceId !== workspace.id) throw datasetNotFound(id);
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#datasets/$entity`), ...datasetResource(dataset, ctx.urls, (id) => ctx.model.dataset(id)?.workspaceId) } };
  });

  server.route('GET', `${GROUP}/dashboards`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const value = ctx.model.dashboardsIn(workspace.id).map((dashboard) => dashboardResource(dashboard, ctx.urls));
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#dashboards`), value } };
  });

  server.route('GET', `${GROUP}/dashboards/:dashboardId`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const dashboard = ctx.model.dashboard(pathGuid(params.dashboardId, 'dashboardId'));
    if (!dashboard || dashboard.workspaceId !== workspace.id) throw entityNotFound();
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#dashboards/$entity`), ...dashboardResource(dashboard, ctx.urls) } };
  });

  server.route('GET', `${GROUP}/dashboards/:dashboardId/tiles`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const dashboard = ctx.model.dashboard(pathGuid(params.dashboardId, 'dashboardId'));
    if (!dashboard || dashboard.workspaceId !== workspace.id) throw entityNotFound();
    const value = ctx.model.tilesOf(dashboard.id).map((tile) => tileResource(tile, workspace.id, ctx.urls));
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#tiles`), value } };
  });

  server.route('GET', `${GROUP}/dashboards/:dashboardId/tiles/:tileId`, async (req, params) => {
    const workspace = requireWorkspaceAccess(ctx.model, await ctx.actor(req), params.groupId);
    const dashboardId = pathGuid(params.dashboardId, 'dashboardId');
    const dashboard = ctx.model.dashboard(dashboardId);
    const tile = ctx.model.tile(dashboardId, pathGuid(params.tileId, 'tileId'));
    if (!dashboard || dashboard.workspaceId !== workspace.id || !tile) throw entityNotFound();
    return { status: 200, body: { '@odata.context': ctx.odataContext(`groups/${workspace.id}/$metadata#tiles/$entity`), ...tileResource(tile, workspace.id, ctx.urls) } };
  });
}
