import { LRUCache } from 'lru-cache';
import type { DatasetInfo, PowerBiClient, ReportInfo } from './powerBiClient';

// Report and dataset metadata (embed URL, dataset id, RLS flags) change rarely: keep them in a
// bounded cache with a TTL; concurrent misses for one item share a single fetch.

export interface ItemMetadataOptions {
  ttlMs: number;
  maxItems: number;
}

interface ItemRef {
  workspaceId: string;
  id: string;
  /** Deadline of the request that started the fetch; requests joining it share its outcome. */
  deadline: number | undefined;
}

export class ItemMetadataCache {
  private readonly reports: LRUCache<string, ReportInfo, ItemRef>;
  private readonly datasets: LRUCache<string, DatasetInfo, ItemRef>;

  constructor(client: PowerBiClient, options: ItemMetadataOptions) {
    const settings = { max: options.maxItems, ttl: options.ttlMs };
    this.reports = new LRUCache({ ...settings, fetchMethod: (_key, _stale, { context }) => client.getReport(context.workspaceId, context.id, context.deadline ?? client.deadlineFromNow()) });
    this.datasets = new LRUCache({ ...settings, fetchMethod: (_key, _stale, { context }) => client.getDataset(context.workspaceId, context.id, context.deadline ?? client.deadlineFromNow()) });
  }

  async report(workspaceId: string, id: string, deadline?: number): Promise<ReportInfo> {
    return (await this.reports.fetch(`${workspaceId}/${id}`.toLowerCase(), { context: { workspaceId, id, deadline } })) as ReportInfo;
  }

  async dataset(workspaceId: string, id: string, deadline?: number): Promise<DatasetInfo> {
    return (await this.datasets.fetch(`${workspaceId}/${id}`.toLowerCase(), { context: { workspaceId, id, deadline } })) as DatasetInfo;
  }
}
