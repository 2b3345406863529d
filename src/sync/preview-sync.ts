import { checkRunVariables } from '../config/check-run-variables.js';
import type { LoadedProject } from '../config/load-project.js';
import type { DeliveryItem, DeliveryOperation, PreviewRequest } from '../destinations/destination.js';
import type { StateStore } from '../state/state-store.js';
import { deliveryOperation, noEndpointError } from './plan/choose-operation.js';
import { keyRow } from './plan/key-row.js';
import { findSync, openSyncEndpoints } from './open-sync-endpoints.js';
import { duckdbFastPath } from './plan/duckdb-fast-path.js';
import { planSnapshotDir } from './plan/plan-snapshot.js';
import { planSync, type PlanCounts } from './plan/plan-sync.js';

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
      const invalid = plan.invalid.slice(0, limit).map((r) => ({ key: r.key, error: r.error }));
      const sample: { op: DeliveryOperation | 'lookup'; item: DeliveryItem }[] = [];
      for await (const batch of plan.items({ batchSize: 1000 })) {
        for (const item of batch) {
          // The run's own choice (deliverPlan): a row it cannot send fails there, so it is refused here.
          const op = deliveryOperation(item.operation, endpoints.destination, item.remoteId);
          if (op === null) {
            if (invalid.length < limit) invalid.push({ key: item.key, error: noEndpointError(item.operation) });
            continue;
          }
          operations[op] = (operations[op] ?? 0) + 1;
          if (sample.length < limit) {
            const row = item.change === 'removed' ? keyRow(item.key, endpoints.key) : item.row;
            // A lookup's record is then updated or created: which one only the lookup's answer says.
            sample.push({ op, item: { key: item.key, operation: op === 'lookup' ? 'update' : op, row, remoteId: item.remoteId } });
          }
        }
      }
      const requests: PreviewRequest[] = [];
      for (const op of new Set(sample.map((s) => s.op))) {
        const items = sample.filter((s) => s.op === op).map((s) => s.item);
        if (op === 'lookup') {
          requests.push(...(await endpoints.destination.preview(items, { lookup: true })));
          continue;
        }
        const size = Math.max(1, endpoints.destination.batchSize(op));
        for (let i = 0; i < items.length; i += size) requests.push(...(await endpoints.destination.preview(items.slice(i, i + size))));
      }
      return {
        sync: name,
        mode: sync.mode,
        counts: plan.counts,
        operations,
        invalid,
        requests: requests.slice(0, limit).map((r) => ({ ...r, text: loaded.redactor.mask(r.text) })),
      };
    } finally {
      await plan.close();
    }
  } finally {
    await endpoints.close();
  }
}
