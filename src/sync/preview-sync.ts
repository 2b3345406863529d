import { checkRunVariables } from '../config/check-run-variables.js';
import type { LoadedProject } from '../config/load-project.js';
import type { PreviewRequest } from '../destinations/destination.js';
import type { DeliveryOperation } from '../rows/delivery-item.js';
import type { StateStore } from '../state/state-store.js';
import { lookupEndpoint } from './adopt-baseline.js';
import { findSync, openSyncEndpoints } from './open-sync-endpoints.js';
import { planAgainstLedger } from './plan-against-ledger.js';
import { checkBaselineMode, planBaseline } from './plan-baseline.js';
import type { PlanCounts } from './plan/plan-sync.js';
import { renderBaselinePreview, type BaselinePreview } from './render-baseline-preview.js';
import { renderPreview } from './render-preview.js';

/** What a run would do: plan counts, rows refused before sending, and the first rendered requests. */
export interface SyncPreview {
  sync: string;
  mode: string;
  counts: PlanCounts;
  /** Planned rows per destination operation (lookup: found at run time, then updated or created). */
  operations: Partial<Record<DeliveryOperation | 'lookup', number>>;
  invalid: { key: string; error: string }[];
  requests: PreviewRequest[];
  /** With `baseline`: what a baseline would adopt (then `operations` holds only its lookups: it writes nothing). */
  baseline?: BaselinePreview;
}

/**
 * Plans a sync and renders its first requests with the same stages a run uses (endpoints, plan against the ledger),
 * a render-only sink in place of delivery; sends nothing, records nothing.
 */
export async function previewSync(options: {
  loaded: LoadedProject;
  store: StateStore;
  sync: string;
  limit?: number;
  vars?: Record<string, string>;
  /** What a baseline run (`--baseline`) would adopt, instead of what a run would send. */
  baseline?: boolean;
  /** Stops reading the source (a caller's time bound). */
  signal?: AbortSignal;
}): Promise<SyncPreview> {
  const { loaded, store, sync: name } = options;
  const sync = findSync(loaded, name);
  checkRunVariables(loaded, { kind: 'sync', name }, options.vars);
  if (options.baseline) await checkBaselineMode(loaded, name);
  const limit = options.limit ?? 5;
  const run = { id: 'preview', started_at: new Date().toISOString() };
  // A baseline reads an incremental stream in full, as its run does.
  const endpoints = await openSyncEndpoints(loaded, name, { store, run, vars: options.vars, full: options.baseline });
  try {
    if (options.baseline) {
      const plan = await planBaseline({ loaded, store, sync: name, endpoints });
      try {
        const { requests, ...baseline } = await renderBaselinePreview(plan, endpoints.destination, lookupEndpoint(loaded, name), limit);
        return {
          sync: name,
          mode: sync.mode,
          counts: plan.counts,
          operations: baseline.lookUp ? { lookup: baseline.lookUp } : {},
          invalid: plan.invalid.slice(0, limit).map((r) => ({ key: r.key, error: r.error })),
          requests: requests.map((r) => ({ ...r, text: loaded.redactor.mask(r.text) })),
          baseline,
        };
      } finally {
        await plan.close();
      }
    }
    const plan = await planAgainstLedger({ loaded, store, sync: name, endpoints, signal: options.signal });
    try {
      const rendered = await renderPreview(plan, endpoints.destination, endpoints.key, limit, sync.on_delete);
      return {
        sync: name,
        mode: sync.mode,
        counts: plan.counts,
        ...rendered,
        requests: rendered.requests.map((r) => ({ ...r, text: loaded.redactor.mask(r.text) })),
      };
    } finally {
      await plan.close();
    }
  } finally {
    await endpoints.close();
  }
}
