import { findSync } from '../../sync/open-sync-endpoints.js';
import { retryRejected } from '../../sync/retry-rejected.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';
import { rejectedRowsCsv } from '../rejected-rows-csv.js';
import { formatSummary, shownKey, summaryJson } from './sync-run.js';

/**
 * `sluice sync rejected NAME [--retry [--as-rejected]] [--format csv|json]`: rows the destination refused or that
 * were invalid (each says which); --retry
 * re-sends only them (their current rows, read again from the source); --format exports them to stdout.
 */
export async function runSyncRejected(
  args: { name: string; retry: boolean; asRejected?: boolean; format?: 'csv' | 'json'; limit?: number },
  ctx: CommandContext,
): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  try {
    findSync(loaded, args.name);
    if (args.asRejected && !args.retry) return usage(ctx, '--as-rejected goes with --retry');
    if (args.retry && args.format) return usage(ctx, '--format exports the rejected rows; it does not go with --retry');
    if (args.retry) {
      const summary = await retryRejected({ loaded, store, sync: args.name, asRejected: args.asRejected });
      if (ctx.json) ctx.stdout.write(JSON.stringify({ ...summaryJson(summary), dropped: summary.dropped, droppedKeys: summary.droppedKeys }) + '\n');
      else {
        if (summary.dropped) {
          const more = summary.dropped > summary.droppedKeys.length ? `, and ${summary.dropped - summary.droppedKeys.length} more` : '';
          const keys = loaded.redactor.mask(summary.droppedKeys.map(shownKey).join(', '));
          ctx.stdout.write(`${summary.dropped} rejected keys are no longer in the source: dropped from the rejected list (${keys}${more})\n`);
        }
        ctx.stdout.write(formatSummary(summary));
      }
      return summary.run.status === 'succeeded' ? ExitCode.ok : ExitCode.runFailed;
    }
    if (args.format) {
      // An export holds every rejected row unless --limit says otherwise. Rows are stored redacted; masked again here.
      const rows = loaded.redactor.maskValue(await store.listRejected(args.name, { limit: args.limit ?? 1_000_000 }));
      const exported = rows.map((r) => ({ key: r.key, runId: r.runId, kind: r.kind ?? 'rejected', operation: r.operation, error: r.error, rejectedAt: r.rejectedAt, row: r.row }));
      ctx.stdout.write(args.format === 'csv' ? rejectedRowsCsv(rows) : JSON.stringify(exported) + '\n');
      return ExitCode.ok;
    }
    const rows = await store.listRejected(args.name, { limit: args.limit ?? 50 });
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify({ rejected: loaded.redactor.maskValue(rows) }) + '\n');
      return ExitCode.ok;
    }
    if (!rows.length) {
      ctx.stdout.write(`no rejected rows for ${args.name}\n`);
      return ExitCode.ok;
    }
    const out: string[] = [];
    for (const r of rows) {
      // invalid: caught before sending (no key, a request that cannot be rendered); rejected: the API or database refused it.
      out.push(`${shownKey(r.key)}  ${r.kind ?? 'rejected'}  ${r.operation}  run ${r.runId}  ${r.rejectedAt}`);
      out.push(`  error: ${loaded.redactor.mask(r.error)}`);
      out.push(`  row: ${loaded.redactor.mask(JSON.stringify(r.row))}`);
      if (r.request) out.push(`  request: ${loaded.redactor.mask(r.request).split('\n').join('\n    ')}`);
    }
    out.push(`${rows.length} rejected row(s); re-send them with: sluice sync rejected ${args.name} --retry`);
    ctx.stdout.write(out.join('\n') + '\n');
    return ExitCode.ok;
  } finally {
    await close();
  }
}

function usage(ctx: CommandContext, message: string): number {
  ctx.stderr.write(`sluice sync rejected: ${message}\n`);
  return ExitCode.usage;
}
