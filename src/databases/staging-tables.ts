import { perTarget } from './per-target.js';
import type { TableTarget } from './table-engine.js';

/**
 * The temporary staging tables of one session, one per target: named `sluice_stage_<n>` in the order targets come,
 * and created once (temporary tables live as long as the connection, so later batches reuse them).
 */
export class StagingTables {
  private count = 0;
  private readonly created = new WeakMap<TableTarget, Promise<void>>();

  /** The target's staging table name, unquoted; the same for every call about one target. */
  readonly name = perTarget(() => `sluice_stage_${++this.count}`);

  /** Runs `create` at the first call for a target and waits for it; after a failed creation the next call tries again. */
  ensure(target: TableTarget, create: () => Promise<unknown>): Promise<void> {
    let created = this.created.get(target);
    if (!created) {
      created = create().then(() => undefined);
      created.catch(() => this.created.delete(target));
      this.created.set(target, created);
    }
    return created;
  }
}
