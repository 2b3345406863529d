import { checkRunVariables } from '../config/check-run-variables.js';
import type { LoadedProject } from '../config/load-project.js';
import type { DeliveryItem, DeliveryOperation, PreviewRequest } from '../destinations/destination.js';
import type { StateStore } from '../state/state-store.js';
import { deliveryOperation } from './choose-operation.js';
import { keyRow } from './key-row.js';
import { findSync, openSyncEndpoints } from './open-sync-endpoints.js';
import { duckdbFastPath } from './duckdb-fast-path.js';
import { planSnapshotDir } from './plan-snapshot.js';
import { planSync, type PlanCounts } from './plan-sync.js';

/** What a run would do: plan counts, rows refused before sending, and the first rendered requests. */
export interface SyncPreview {
  sync: string;
  mode: string;
  counts: PlanCounts;
  /** Planned rows per destination operation (lookup: found at run time, then updated or created). */
  operations: Partial<Record<DeliveryOperation | 'lookup', number>>;
  invalid: { key: string; error: string }[];
  requests: PreviewRequest[];
}

/** Plans a sync and renders its first requests with the same code a run uses; sends nothing, records nothing. */
export async function previewSync(options: {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  limit?: number;
  vars?: Record<string, string>;
}): Promise<SyncPreview> {
  const { loaded, store, sync: name } = options;
  const sync = findSync(loaded, name);
  checkRunVariables(loaded, { kind: 'sync', name }, options.vars);
  const limit = options.limit ?? 5;
  const run = { id: 'preview', started_at: new Date().toISOString() };
  const endpoints = await openSyncEndpoints(loaded, name, { store, run, vars: options.vars });
  try {
    const plan = await planSync({
      source: endpoints.source,
      store,
      sync: name,
      mode: sync.mode,
      key: endpoints.key,
      mapRow: endpoints.mapRow,
      snapshotDir: planSnapshotDir(loaded.dir, loaded.project.state, name),
      sqlFastPath: await duckdbFastPath(loaded, name, run, options.vars),
      complete: endpoints.source.complete ?? true,
    });
    try {
      const operations: SyncPreview['operations'] = {};
      const sample: DeliveryItem[] = [];
      for await (const batch of plan.items({ batchSize: 1000 })) {
        for (const item of batch) {
          const op = deliveryOperation(item.operation, endpoints.destination, item.remoteId) ?? item.operation;
          operations[op] = (operations[op] ?? 0) + 1;
          if (sample.length < limit) {
            const row = item.change === 'removed' ? keyRow(item.key, endpoints.key) : item.row;
            sample.push({ key: item.key, operation: op === 'lookup' ? 'update' : op, row, remoteId: item.remoteId });
          }
        }
      }
      const requests: PreviewRequest[] = [];
      for (const op of new Set(sample.map((s) => s.operation))) {
        const items = sample.filter((s) => s.operation === op);
        const size = Math.max(1, endpoints.destination.batchSize(op));
        for (let i = 0; i < items.length; i += size) requests.push(...(await endpoints.destination.preview(items.slice(i, i + size))));
      }
      return {
        sync: name,
        mode: sync.mode,
        counts: plan.counts,
        operations,
        invalid: plan.invalid.slice(0, limit).map((r) => ({ key: r.key, error: r.error })),
        requests: requests.slice(0, limit).map((r) => ({ ...r, text: loaded.redactor.mask(r.text) })),
      };
    } finally {
      await plan.close();
    }
  } finally {
    await endpoints.close();
  }
}
