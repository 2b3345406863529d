import { previewSync } from '../../sync/preview-sync.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';
import { shownKey } from './sync-run.js';

/** `sluice sync preview NAME [--baseline]`: plan counts and the first rendered requests (or what a baseline would adopt); sends nothing. */
export async function runSyncPreview(args: { name: string; limit: number; vars: Record<string, string>; baseline?: boolean }, ctx: CommandContext): Promise<number> {
  const { loaded, store, close } = await openProject(ctx);
  try {
    const p = await previewSync({ loaded, store, sync: args.name, limit: args.limit, vars: args.vars, baseline: args.baseline });
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify(p) + '\n');
      return ExitCode.ok;
    }
    const c = p.counts;
    const ops = Object.entries(p.operations).map(([op, n]) => `${op} ${n}`).join(', ') || 'nothing to send';
    const b = p.baseline;
    const out = b
      ? [
        `baseline of sync ${p.sync} (mode ${p.mode}): ${c.read} rows read`,
        `  would adopt ${b.adopt} as delivered, ${c.unchanged} already delivered${c.invalid ? `, ${c.invalid} without a key` : ''}; would send no write`,
        b.lookup === null
          ? '  no lookup endpoint: rows would be adopted without remote ids'
          : `  would look up ${b.lookUp} remote ids with ${b.lookup} (a row it does not find is left for the next run to create)`,
        ...(b.keys.length ? [`  first keys: ${b.keys.map(shownKey).join(', ')}${b.adopt > b.keys.length ? ', ...' : ''}`] : []),
      ]
      : [
        `sync ${p.sync} (mode ${p.mode}): ${c.read} rows read`,
        `  ${c.added} added, ${c.changed} changed, ${c.removed} removed, ${c.unchanged} unchanged${c.invalid ? `, ${c.invalid} without a key` : ''}`,
        `  would send: ${ops}`,
      ];
    for (const r of p.invalid) out.push(`  rejected ${r.key}: ${r.error}`);
    p.requests.forEach((r, i) => {
      out.push('', `# ${i + 1}. ${r.operation} ${r.keys.map(shownKey).join(', ')}`);
      // A lookup that cannot be sent stops the run (creating instead could duplicate the record); a write rejects its row.
      if (r.error) out.push(`# ${r.operation === 'lookup' ? 'would stop the run' : 'would be rejected'}: ${r.error}`);
      out.push(r.text);
    });
    ctx.stdout.write(out.join('\n') + '\n');
    return ExitCode.ok;
  } finally {
    await close();
  }
}
