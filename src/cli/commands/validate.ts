import { ConfigError, formatConfigIssue, type ConfigIssue } from '../../config/config-error.js';
import { loadProject } from '../../config/load-project.js';
import { ExitCode, type CommandContext } from '../command-context.js';

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `sluice validate`: every issue of sluice.yaml and its connectors as `file:line:col: path: message`, or ok with counts.
 * `--deep` also reaches every connection and runs each sync's query with LIMIT 0, checking the columns it gives
 * against the sync's mapping, key and endpoint templates.
 */
export async function runValidate(args: { deep?: boolean }, ctx: CommandContext): Promise<number> {
  let loaded;
  try {
    loaded = await loadProject({ project: ctx.project });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return printIssues(e.issues, ctx);
  }
  const { project } = loaded;
  const counts = {
    connections: Object.keys(project.connections).length,
    syncs: Object.keys(project.syncs).length,
    pipelines: Object.keys(project.pipelines).length,
  };
  let deep = '';
  if (args.deep) {
    const [{ openStateStore }, { checkProjectDeep }] = await Promise.all([
      import('../../state/open-state-store.js'),
      import('../../sync/check-project-deep.js'),
    ]);
    const store = await openStateStore({ state: project.state, projectDir: loaded.dir });
    let found;
    try {
      found = await checkProjectDeep(loaded, store);
    } finally {
      await store.close();
    }
    if (found.issues.length) return printIssues(found.issues, ctx);
    deep = `; reached ${count(found.reached.length, 'connection')}, checked the columns of ${count(found.checked.length, 'sync')}`;
  }
  ctx.stdout.write(
    ctx.json
      ? JSON.stringify({ ok: true, issues: [], ...counts }) + '\n'
      : `ok: ${count(counts.connections, 'connection')}, ${count(counts.syncs, 'sync')}, ${count(counts.pipelines, 'pipeline')}${deep}\n`,
  );
  return ExitCode.ok;
}

function printIssues(issues: ConfigIssue[], ctx: CommandContext): number {
  ctx.stdout.write(ctx.json ? JSON.stringify({ ok: false, issues }) + '\n' : issues.map((i) => formatConfigIssue(i) + '\n').join(''));
  if (!ctx.json) ctx.stderr.write(`${count(issues.length, 'issue')} found\n`);
  return ExitCode.usage;
}
