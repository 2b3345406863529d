import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject } from '../../config/load-project.js';
import { packageRoot } from '../../config/package-root.js';
import { openStateStore } from '../../state/open-state-store.js';
import { runSync, type RunSummary } from '../../sync/run-sync.js';
import { startWebhookSandbox } from '../../../sandbox/webhook/webhook-sandbox.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { formatSummary } from './sync-run.js';

const SYNC = 'customers_to_webhook';

/**
 * `sluice demo` (the README's `npm start`): copies examples/quickstart to a temporary folder, starts the webhook
 * sandbox, and syncs the DuckDB model three times — everything, nothing (unchanged), then one edited customer.
 */
export async function runDemo(_args: object, ctx: CommandContext): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-demo-'));
  const sink = await startWebhookSandbox();
  const say = (s: string) => {
    if (!ctx.json) ctx.stdout.write(s + '\n');
  };
  const runs: RunSummary[] = [];
  try {
    // A fresh copy without any state a user's own runs left in the example folder.
    await cp(join(packageRoot(), 'examples', 'quickstart'), dir, { recursive: true, filter: (src) => !src.split(/[\\/]/).includes('.sluice') });
    say(`Sluice demo: examples/quickstart copied to ${dir}`);
    say(`webhook sandbox listening at ${sink.url} (it keeps what it receives)\n`);
    const env = { ...process.env, WEBHOOK_URL: sink.url };
    const loaded = await loadProject({ project: dir, env });
    const store = await openStateStore({ state: loaded.project.state, projectDir: loaded.dir, env });
    try {
      const run = async (title: string) => {
        say(`$ sluice sync run ${SYNC}    # ${title}`);
        const summary = await runSync({ loaded, store, sync: SYNC, trigger: 'demo' });
        runs.push(summary);
        say(formatSummary(summary));
        return summary;
      };
      await run('first run: every customer is new');
      await run('second run: nothing changed, nothing is sent');
      const csv = join(dir, 'data', 'customers.csv');
      await writeFile(csv, (await readFile(csv, 'utf8')).replace('ada@example.com,GB,1520.50', 'ada@example.com,GB,2750.00'));
      say(`(edited data/customers.csv: Ada Lovelace's lifetime_value 1520.50 -> 2750.00)`);
      await run('third run: only the changed customer is sent');
    } finally {
      await store.close();
    }
    const hooks = sink.state.hooks;
    const last = hooks[hooks.length - 1];
    say(`The webhook received ${hooks.length} requests in all (${runs.map((r) => r.delivered).join(' + ')}). The last one:`);
    if (last) say(JSON.stringify(last.body, null, 2));
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify({ ok: runs.every((r) => r.run.status === 'succeeded'), runs: runs.map((r) => r.run), received: hooks.length }) + '\n');
    }
    return runs.every((r) => r.run.status === 'succeeded') ? ExitCode.ok : ExitCode.runFailed;
  } finally {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}
