import { Command, CommanderError } from 'commander';
import { ExitCode, type CommandContext } from './command-context.js';

// Command modules load lazily so that `sluice --help` starts fast (cold start is a benchmark).

/** Collects repeated `--var k=v` options into a record. */
function collectVar(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new CommanderError(ExitCode.usage, 'sluice.var', `--var expects name=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CommanderError(ExitCode.usage, 'sluice.int', `expected a whole number, got "${value}"`);
  return n;
}

function recordStatus(value: string): 'failed' | 'delivered' {
  if (value === 'failed' || value === 'delivered') return value;
  throw new CommanderError(ExitCode.usage, 'sluice.status', `--status expects failed or delivered, got "${value}"`);
}

function exportFormat(value: string): 'csv' | 'json' {
  if (value === 'csv' || value === 'json') return value;
  throw new CommanderError(ExitCode.usage, 'sluice.format', `--format expects csv or json, got "${value}"`);
}

/** Runs the sluice command line; returns the exit code. */
export async function main(argv: string[], io: Pick<CommandContext, 'stdout' | 'stderr'> = process): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('sluice')
    .description('Sync rows from databases to APIs and back, sending only what changed.')
    .version('0.1.0')
    .option('--project <dir>', 'project directory or sluice.yaml (default: the nearest sluice.yaml)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError();

  const ctx = (): CommandContext => {
    const o = program.opts<{ project?: string; json?: boolean }>();
    return { project: o.project, json: Boolean(o.json), stdout: io.stdout, stderr: io.stderr };
  };
  const act = (fn: () => Promise<number>) => async () => {
    exitCode = await fn();
  };

  program
    .command('init [dir]')
    .description('create a new project with a working example')
    .option('--force', 'write into a non-empty directory')
    .action((dir: string | undefined, o: { force?: boolean }) =>
      act(async () => (await import('./commands/init.js')).runInit({ dir: dir ?? '.', force: Boolean(o.force) }, ctx()))(),
    );

  program
    .command('validate')
    .description('check sluice.yaml and every connector spec it uses')
    .option('--deep', "also reach every connection and check each sync's query columns against its mapping, key and templates")
    .action((o: { deep?: boolean }) => act(async () => (await import('./commands/validate.js')).runValidate({ deep: Boolean(o.deep) }, ctx()))());

  program
    .command('schema [dir]')
    .description('write JSON Schema files for sluice.yaml and connector specs (for editor autocompletion)')
    .action((dir: string | undefined) =>
      act(async () => (await import('./commands/schema.js')).runSchema({ dir: dir ?? 'schemas' }, ctx()))(),
    );

  const connections = program.command('connections').description('connections of the project');
  connections
    .command('test <name>')
    .description('reach a connection (query or auth check)')
    .action((name: string) =>
      act(async () => (await import('./commands/connections-test.js')).runConnectionsTest({ name }, ctx()))(),
    );

  program
    .command('connect <name>')
    .description('authorize an OAuth connection: open the authorization URL, catch the callback, store the tokens')
    .option('--port <port>', 'port of the loopback callback server', positiveInt)
    .option('--redirect-uri <uri>', 'a fixed redirect URI registered at the provider (then paste the redirected URL)')
    .option('--no-browser', 'only print the authorization URL')
    .action((name: string, o: { port?: number; redirectUri?: string; browser: boolean }) =>
      act(async () =>
        (await import('./commands/connect.js')).runConnect(
          { name, port: o.port, redirectUri: o.redirectUri, browser: o.browser },
          ctx(),
        ),
      )(),
    );

  const connector = program.command('connector').description('connector specs');
  connector
    .command('test <spec> [endpoint]')
    .description('render a request from a sample row and show it as curl; --send sends it; --cases runs the spec\'s test cases offline; --record saves a live exchange as a case')
    .option('--sample <file>', 'a JSON file with one row (or an array of rows for batch endpoints)')
    .option('--row <json>', 'the sample row (or an array of rows) as JSON, instead of --sample')
    .option('--connection <name>', 'use this connection of the project (config and credentials)')
    .option('--send', 'send the request and show the response')
    .option('--cases', 'run the cases of <spec>\'s .test.yaml offline; exit 1 when one fails')
    .option('--record', 'send one request and append the exchange to <spec>\'s .test.yaml as a case, secrets redacted')
    .option('--name <case>', 'with --record: the name of the case')
    .option('--key <field>', 'with --record: the row field holding each row\'s key, as the sync\'s key (for endpoints that match results to rows)')
    .action((spec: string, endpoint: string | undefined, o: { sample?: string; row?: string; connection?: string; send?: boolean; cases?: boolean; record?: boolean; name?: string; key?: string }) =>
      act(async () => {
        const usage = (message: string) => new CommanderError(ExitCode.usage, 'sluice.usage', message);
        if (o.cases) {
          if (endpoint !== undefined || o.sample || o.row || o.send || o.record || o.connection) throw usage('--cases runs the spec\'s cases alone: give no endpoint, --sample, --row, --connection, --send or --record');
          return (await import('./commands/connector-test-cases.js')).runConnectorTestCases({ spec }, ctx());
        }
        if (endpoint === undefined) throw usage('give an endpoint (or --cases to run the spec\'s test cases)');
        if ((o.sample === undefined) === (o.row === undefined)) throw usage('give the sample rows with --sample FILE or --row JSON (one of them)');
        if (o.record && o.send) throw usage('--record sends the request itself: give --record or --send');
        if ((o.name !== undefined || o.key !== undefined) && !o.record) throw usage('--name and --key are for a recorded case: give them with --record');
        if (o.key !== undefined && (o.key === '' || o.key.length > 200)) throw usage('--key takes 1 to 200 characters');
        if (o.name !== undefined && (o.name.trim() === '' || o.name.length > 200)) throw usage('--name takes 1 to 200 characters');
        return (await import('./commands/connector-test.js')).runConnectorTest(
          { spec, endpoint, sample: o.sample, row: o.row, connection: o.connection, send: Boolean(o.send), record: Boolean(o.record), name: o.name, key: o.key },
          ctx(),
        );
      })(),
    );

  const sync = program.command('sync').description('syncs of the project');
  sync
    .command('preview <name>')
    .description('plan counts and the first rendered requests; sends nothing')
    .option('--limit <n>', 'how many requests to show', positiveInt, 5)
    .option('--var <name=value>', 'a variable value for this run (repeatable)', collectVar, {})
    .option('--baseline', 'what a baseline run would adopt: the rows, and the first lookups of their remote ids')
    .action((name: string, o: { limit: number; var: Record<string, string>; baseline?: boolean }) =>
      act(async () => (await import('./commands/sync-preview.js')).runSyncPreview({ name, limit: o.limit, vars: o.var, baseline: Boolean(o.baseline) }, ctx()))(),
    );
  sync
    .command('run <name>')
    .description('run a sync: plan, send, record; non-zero exit when it fails')
    .option('--var <name=value>', 'a variable value for this run (repeatable)', collectVar, {})
    .option('--full', 'forget what was delivered and send every row again, reading incremental streams in full')
    .option('--baseline', 'adopt what the destination already holds: record every current row as delivered (remote ids found by the lookup endpoint), sending no write; not with --full, nor for an append sync')
    .action((name: string, o: { var: Record<string, string>; full?: boolean; baseline?: boolean }) =>
      act(async () => (await import('./commands/sync-run.js')).runSyncRun({ name, vars: o.var, full: Boolean(o.full), baseline: Boolean(o.baseline) }, ctx()))(),
    );
  sync
    .command('runs <name>')
    .description('the run history of a sync or pipeline')
    .option('--limit <n>', 'how many runs', positiveInt, 20)
    .action((name: string, o: { limit: number }) =>
      act(async () => (await import('./commands/sync-runs.js')).runSyncRuns({ name, limit: o.limit }, ctx()))(),
    );
  sync
    .command('rejected <name>')
    .description('rows the destination refused and invalid rows, with the error and the request; --retry re-sends only them, --format exports them')
    .option('--retry', 're-send the rejected rows, as the source has them now (keys gone from it are dropped)')
    .option('--as-rejected', 'with --retry: re-send the rows as they were when rejected')
    .option('--format <format>', 'export every rejected row to stdout as csv or json: key, run id, operation, error, rejected at, and the row (in CSV, as JSON text)', exportFormat)
    .option('--limit <n>', 'how many rows to list (default 50; an export holds all)', positiveInt)
    .action((name: string, o: { retry?: boolean; asRejected?: boolean; format?: 'csv' | 'json'; limit?: number }) =>
      act(async () =>
        (await import('./commands/sync-rejected.js')).runSyncRejected(
          { name, retry: Boolean(o.retry), asRejected: o.asRejected, format: o.format, limit: o.limit },
          ctx(),
        ),
      )(),
    );
  sync
    .command('records <name>')
    .description('the records a sync keeps, in key order: key, remote id, status, last delivered, last error')
    .option('--key <key>', 'only this record key')
    .option('--status <status>', 'only failed or delivered records', recordStatus)
    .option('--limit <n>', 'how many records', positiveInt, 100)
    .action((name: string, o: { key?: string; status?: 'failed' | 'delivered'; limit: number }) =>
      act(async () => (await import('./commands/sync-records.js')).runSyncRecords({ name, key: o.key, status: o.status, limit: o.limit }, ctx()))(),
    );

  sync
    .command('debug <name>')
    .description('the HTTP requests and responses behind one record, newest first (kept for the sync\'s debug.retention_days, default 7); exit 1 when none is kept')
    .requiredOption('--key <key>', 'the record key (a composite key as the JSON array sluice sync records shows)')
    .option('--run <id>', 'only the exchanges of this run')
    .option('--limit <n>', 'how many exchanges', positiveInt, 20)
    .action((name: string, o: { key: string; run?: string; limit: number }) =>
      act(async () => (await import('./commands/sync-debug.js')).runSyncDebug({ name, key: o.key, runId: o.run, limit: o.limit }, ctx()))(),
    );

  const pipeline = program.command('pipeline').description('pipelines of the project');
  pipeline
    .command('run <name>')
    .description('run a pipeline: its syncs and SQL steps in order')
    .option('--var <name=value>', 'a variable value for this run (repeatable)', collectVar, {})
    .action((name: string, o: { var: Record<string, string> }) =>
      act(async () => (await import('./commands/pipeline-run.js')).runPipelineRun({ name, vars: o.var }, ctx()))(),
    );

  const secrets = program.command('secrets').description('secrets kept encrypted in the state store');
  secrets
    .command('set <name>')
    .description('store a secret read from standard input, for sluice.yaml to reference as ${secret:NAME}')
    .action((name: string) => act(async () => (await import('./commands/secrets-set.js')).runSecretsSet({ name }, ctx()))());
  secrets
    .command('reset')
    .description('delete every stored secret, when the key that encrypted them is lost for good')
    .option('--yes', 'really delete them')
    .action((o: { yes?: boolean }) =>
      act(async () => (await import('./commands/secrets-reset.js')).runSecretsReset({ yes: Boolean(o.yes) }, ctx()))(),
    );

  program
    .command('sandbox [names...]')
    .description('start local simulators of real APIs on loopback and print their URLs')
    .option('--port <port>', 'first port (default: any free port)', positiveInt)
    .action((names: string[], o: { port?: number }) =>
      act(async () => (await import('./commands/sandbox.js')).runSandbox({ names, port: o.port }, ctx()))(),
    );

  program
    .command('serve')
    .description('the REST API, the web UI, the scheduler and GET /metrics for Prometheus (admin, operator or SLUICE_METRICS_TOKEN token)')
    .option('--port <port>', 'port to listen on', positiveInt, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--public-url <url>', 'the URL users reach the server at (its host name is answered; OAuth redirects use it); default SLUICE_PUBLIC_URL')
    .action((o: { port: number; host: string; publicUrl?: string }) =>
      act(async () => (await import('./commands/serve.js')).runServe({ port: o.port, host: o.host, publicUrl: o.publicUrl }, ctx()))(),
    );

  program
    .command('worker')
    .description('execute runs queued on Redis by sluice serve (SLUICE_QUEUE=redis)')
    .option('--concurrency <n>', 'runs at once', positiveInt, 1)
    .action((o: { concurrency: number }) =>
      act(async () => (await import('./commands/worker.js')).runWorker({ concurrency: o.concurrency }, ctx()))(),
    );

  program
    .command('demo')
    .description('the quickstart: start the sandboxes, sync the example project twice, show what arrived')
    .action(act(async () => (await import('./commands/demo.js')).runDemo({}, ctx())));

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
      if (e.code.startsWith('sluice.')) io.stderr.write(`error: ${e.message}\n`);
      return ExitCode.usage;
    }
    const { reportError } = await import('./report-error.js');
    return reportError(e, ctx());
  }
  return exitCode;
}

