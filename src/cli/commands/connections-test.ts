import { ConfigError } from '../../config/config-error.js';
import { didYouMean } from '../../config/closest-match.js';
import { loadProject } from '../../config/load-project.js';
import { testConnection } from '../../connectors/test-connection.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/**
 * `sluice connections test NAME`: tests the connection's credentials (a database login, the connector's `test:`
 * request) and prints what answered and how long it took, a warning when they could not be verified, or why it failed.
 */
export async function runConnectionsTest(args: { name: string }, ctx: CommandContext): Promise<number> {
  const loaded = await loadProject({ project: ctx.project });
  const connection = loaded.project.connections[args.name];
  if (!connection) {
    const names = Object.keys(loaded.project.connections);
    throw new ConfigError([
      {
        file: loaded.file,
        path: 'connections',
        message: `no connection named "${args.name}"${didYouMean(args.name, names)}${names.length ? ` (connections: ${names.join(', ')})` : ''}`,
      },
    ]);
  }
  const { openStateStore } = await import('../../state/open-state-store.js');
  const store = await openStateStore({ state: loaded.project.state, projectDir: loaded.dir });
  let result;
  try {
    result = await testConnection(loaded, store, args.name);
  } finally {
    await store.close();
  }
  // Three states: verified, reachable but not verified (a warning, still exit 0), failed (exit 1).
  const status = !result.ok ? 'failed' : result.verified ? 'ok' : 'unverified';
  if (ctx.json) {
    const outcome = { ok: { server: result.message }, unverified: { warning: result.message }, failed: { error: result.message } }[status];
    const line = { ok: result.ok, verified: result.verified, status, connection: args.name, type: connection.type, ...outcome, ms: result.ms };
    ctx.stdout.write(JSON.stringify(line) + '\n');
  } else if (status === 'ok') ctx.stdout.write(`ok: ${args.name} (${result.message}) in ${result.ms} ms\n`);
  else if (status === 'unverified') ctx.stdout.write(`warning: ${args.name}: ${result.message} in ${result.ms} ms\n`);
  else ctx.stderr.write(`error: ${args.name}: ${result.message}\n`);
  return result.ok ? ExitCode.ok : ExitCode.runFailed;
}
