import type { Dashboard, Dataset, Report, Tile } from './model';

// The URLs the service puts in item answers. The host is configurable so a local page can
// load them; the `config` parameter carries the cluster URL, as the service's does.

export class EmbedUrls {
  /** `host`: where embed pages are served (e.g. https://app.powerbi.com); `clusterUrl`: this API's base URL. */
  constructor(
    private readonly host: () => string,
    private readonly clusterUrl: () => string,
  ) {}

  report(report: Report): string {
    const page = report.reportType === 'PaginatedReport' ? 'rdlEmbed' : 'reportEmbed';
    return this.url(page, { reportId: report.id, groupId: report.workspaceId, w: '2', config: this.config() });
  }

  /** Embeds a new report over the dataset (create mode). */
  createReport(dataset: Dataset): string {
    return this.url('reportEmbed', { datasetId: dataset.id, groupId: dataset.workspaceId, config: this.config() });
  }

  qna(dataset: Dataset): string {
    return this.url('qnaEmbed', { groupId: dataset.workspaceId, datasetId: dataset.id, config: this.config() });
  }

  dashboard(dashboard: Dashboard): string {
    return this.url('dashboardEmbed', { dashboardId: dashboard.id, groupId: dashboard.workspaceId, config: this.config() });
  }

  tile(tile: Tile, workspaceId: string): string {
    return this.url('embed', { dashboardId: tile.dashboardId, tileId: tile.id, groupId: workspaceId, config: this.config() });
  }

  web(workspaceId: string, kind: 'reports' | 'rdlreports' | 'datasets' | 'dashboards', id: string): string {
    return `${this.base()}/groups/${workspaceId}/${kind}/${id}`;
  }

  private url(page: string, params: Record<string, string>): string {
    return `${this.base()}/${page}?${new URLSearchParams(params).toString()}`;
  }

  private base(): string {
    return this.host().replace(/\/+$/, '');
  }

  private config(): string {
    return Buffer.from(JSON.stringify({ clusterUrl: this.clusterUrl(), embedFeatures: { modernEmbed: true } })).toString('base64');
  }
}
