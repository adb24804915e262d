import { LRUCache } from 'lru-cache';
import type { CallAs, DashboardInfo, DatasetInfo, DatasourceInfo, PowerBiClient, ReportInfo, TileInfo } from './powerBiClient';

// Item metadata (embed URLs, dataset ids, RLS flags, tiles, data sources) changes rarely: keep it
// in a bounded cache with a TTL; concurrent misses for one item share a single fetch. Entries are
// kept per principal and profile: what one customer's principal may see says nothing of another's.

export interface ItemMetadataOptions {
  ttlMs: number;
  maxItems: number;
}

/** Who the metadata is read as: `key` names the principal and profile, `as` carries them to the client. */
export interface MetadataScope {
  key: string;
  as: CallAs;
}

export const DEFAULT_SCOPE: MetadataScope = { key: '', as: {} };

interface ItemRef {
  load: (deadline: number) => Promise<unknown>;
  /** Deadline of the request that started the fetch; requests joining it share its outcome. */
  deadline: number | undefined;
}

export class ItemMetadataCache {
  private readonly items: LRUCache<string, object, ItemRef>;

  constructor(
    private readonly client: PowerBiClient,
    options: ItemMetadataOptions,
  ) {
    this.items = new LRUCache({
      max: options.maxItems,
      ttl: options.ttlMs,
      fetchMethod: async (_key, _stale, { context }) => (await context.load(context.deadline ?? client.deadlineFromNow())) as object,
    });
  }

  report(workspaceId: string, id: string, deadline?: number, scope: MetadataScope = DEFAULT_SCOPE): Promise<ReportInfo> {
    return this.get(scope, `report/${workspaceId}/${id}`, deadline, (until) => this.client.getReport(workspaceId, id, until, scope.as));
  }

  dataset(workspaceId: string, id: string, deadline?: number, scope: MetadataScope = DEFAULT_SCOPE): Promise<DatasetInfo> {
    return this.get(scope, `dataset/${workspaceId}/${id}`, deadline, (until) => this.client.getDataset(workspaceId, id, until, scope.as));
  }

  dashboard(workspaceId: string, id: string, deadline?: number, scope: MetadataScope = DEFAULT_SCOPE): Promise<DashboardInfo> {
    return this.get(scope, `dashboard/${workspaceId}/${id}`, deadline, (until) => this.client.getDashboard(workspaceId, id, until, scope.as));
  }

  async tiles(workspaceId: string, dashboardId: string, deadline?: number, scope: MetadataScope = DEFAULT_SCOPE): Promise<TileInfo[]> {
    const { value } = await this.get(scope, `tiles/${workspaceId}/${dashboardId}`, deadline, async (until) => ({ value: await this.client.getTiles(workspaceId, dashboardId, until, scope.as) }));
    return value;
  }

  tile(workspaceId: string, dashboardId: string, tileId: string, deadline?: number, scope: MetadataScope = DEFAULT_SCOPE): Promise<TileInfo> {
    return this.get(scope, `tile/${workspaceId}/${dashboardId}/${tileId}`, deadline, (until) => this.client.getTile(workspaceId, dashboardId, tileId, until, scope.as));
  }

  async reportDatasources(workspaceId: string, reportId: string, deadline?: number, scope: MetadataScope = DEFAULT_SCOPE): Promise<DatasourceInfo[]> {
    const { value } = await this.get(scope, `datasources/${workspaceId}/${reportId}`, deadline, async (until) => ({ value: await this.client.getReportDatasources(workspaceId, reportId, until, scope.as) }));
    return value;
  }

  private async get<T extends object>(scope: MetadataScope, item: string, deadline: number | undefined, load: (deadline: number) => Promise<T>): Promise<T> {
    return (await this.items.fetch(`${scope.key}|${item}`.toLowerCase(), { context: { load, deadline } })) as T;
  }
}
