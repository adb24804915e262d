import { powerBiError } from './errors';
import type { Workspace } from './model';

// Without a capacity, embed tokens come from a small trial allowance; once it is spent the
// service refuses GenerateToken with 403 (not 429, so a retry never helps). Off unless a limit is set.

export class TrialEmbedTokenQuota {
  private used = 0;

  constructor(private readonly limit: number | undefined) {}

  /** Counts one token when any workspace involved has no capacity; throws when none is left. */
  consume(workspaces: readonly Workspace[]): void {
    if (this.limit === undefined || workspaces.every((workspace) => workspace.capacity)) return;
    if (this.used >= this.limit) {
      throw powerBiError(403, 'EmbedTokenQuotaExceeded', 'The embed token quota for workspaces without a capacity has been used up. Assign the workspace to a capacity.');
    }
    this.used += 1;
  }

  reset(): void {
    this.used = 0;
  }
}
