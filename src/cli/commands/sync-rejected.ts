import { findSync } from '../../sync/open-sync-endpoints.js';
import { retryRejected } from '../../sync/retry-rejected.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';
import { formatSummary, summaryJson } from './sync-run.js';

/** `sluice sync rejected NAME [--retry]`: rows the destination refused; --retry re-sends only them. */
export async function runSyncRejected(args: { name: string; retry: boolean; limit: number }, ctx: CommandContext): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  try {
    findSync(loaded, args.name);
    if (args.retry) {
      const summary = await retryRejected({ loaded, store, sync: args.name });
      ctx.stdout.write(ctx.json ? JSON.stringify(summaryJson(summary)) + '\n' : formatSummary(summary));
      return summary.run.status === 'succeeded' ? ExitCode.ok : ExitCode.runFailed;
    }
    const rows = await store.listRejected(args.name, { limit: args.limit });
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
      out.push(`${r.key}  ${r.operation}  run ${r.runId}  ${r.rejectedAt}`);
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
