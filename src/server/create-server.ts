import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { ConfigError, formatConfigIssue } from '../config/config-error.js';
import { findProjectFile, loadProject, type LoadedProject } from '../config/load-project.js';
import { packageRoot } from '../config/package-root.js';
import { networkPolicyFromEnv } from '../http/network-policy.js';
import { Redactor } from '../log/redactor.js';
import { newRunId } from '../state/new-run-id.js';
import { openProjectStore } from '../state/open-project-store.js';
import type { StateStore } from '../state/state-store.js';
import { processEnded, thisProcess } from '../sync/lease-process.js';
import { runLeaseName } from '../sync/run-lease-name.js';
import { sweepStaleRuns } from '../sync/sweep-stale-runs.js';
import { resolveApiTokens, resolveMetricsToken, type ApiToken } from './api-token.js';
import { connectionsRoutes } from './connections-routes.js';
import { connectorsRoutes } from './connectors-routes.js';
import { debugRoutes } from './debug-routes.js';
import { healthRoutes } from './health-routes.js';
import { HttpError } from './http-error.js';
import { errorCodeForStatus, type ApiErrorBody } from '../api/api-error-body.js';
import { jobLocks } from './job-locks.js';
import { localRunExecutor } from './local-run-executor.js';
import { metricsRoutes } from './metrics-routes.js';
import { notificationsRoutes } from './notifications-routes.js';
import { oauthRoutes } from './oauth-routes.js';
import { pipelinesRoutes } from './pipelines-routes.js';
import { redisRunExecutor } from './redis-run-executor.js';
import { queueTiming } from './queue-timing.js';
import { redisUrl } from './redis-connection.js';
import { guardRequests } from './request-guard.js';
import { RunManager, type RunExecutor } from './run-manager.js';
import { runsRoutes } from './runs-routes.js';
import { schedulePausedAt } from './schedule-pause.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { schedulesRoutes } from './schedules-routes.js';
import { deleteRoutes } from './delete-routes.js';
import type { PendingOAuth, ServerContext } from './server-context.js';
import { syncDraftsRoutes } from './sync-drafts-routes.js';
import { syncsRoutes } from './syncs-routes.js';
import { projectTextRoutes } from './project-text-routes.js';
import { validateRoutes } from './validate-routes.js';
import { webRoutes } from './web-routes.js';

/** Options of createServer; every one has a default. */
export interface CreateServerOptions {
  /** The project directory (or sluice.yaml); `project` is the same, as `--project` names it. Default: the nearest sluice.yaml. */
  projectDir?: string;
  project?: string;
  /** The admin token; default SLUICE_API_TOKEN, else the one stored in the state (generated on first start). */
  token?: string;
  /** The operator token (read, preview, run, retry); default SLUICE_OPERATOR_TOKEN, else stored, else generated. */
  operatorToken?: string;
  /** The token that may read /metrics and nothing else; default SLUICE_METRICS_TOKEN, else none (/metrics takes the operator token). */
  metricsToken?: string;
  /** The address the server will listen on: `Host` headers naming it are answered (with localhost and loopback). */
  host?: string;
  /** The URL users reach the server at (behind a proxy, a DNS name): its host is answered, OAuth redirects use it. */
  publicUrl?: string;
  /** The state store (default: the project's `state:`); a given store is not closed by close(). */
  store?: StateStore;
  /** Run scheduled syncs and pipelines (default false; `sluice serve` turns it on). */
  scheduler?: boolean;
  /** Log requests and runs with pino on stderr, secrets masked (default false). */
  logger?: boolean;
  /** Where the built web UI is (default: web/dist of the package). */
  webDir?: string;
  /** Run in this process (default), or put runs on the Redis queue for `sluice worker` (default from SLUICE_QUEUE). */
  queue?: 'local' | 'redis';
  /** Redis URL for the queue (default SLUICE_REDIS_URL, else redis://127.0.0.1:6379) and a BullMQ key prefix. */
  redisUrl?: string;
  redisPrefix?: string;
  /** Zone of cron schedules (default SLUICE_TIMEZONE, else UTC). */
  timezone?: string;
  /** Watch sluice.yaml and re-read schedules when it changes (default: when the scheduler runs). */
  watch?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Built-in connector specs (default: connectors/ of the package). */
  connectorsDir?: string;
}

/** A server ready to listen (or to answer `app.inject`). */
export interface SluiceServer {
  app: FastifyInstance;
  /** The admin token and where it came from (`sluice serve` prints a generated one). */
  apiToken: ApiToken;
  /** The operator token (read, preview, run, retry). */
  operatorToken: ApiToken;
  /** Every route registered (method and URL), for the OpenAPI check. */
  routes: { method: string; url: string }[];
  scheduler: Scheduler | null;
  /** Stops the scheduler, cancels running runs and waits for them, closes the server and the store it opened. */
  close(): Promise<void>;
}

/** Builds the Sluice server: REST API under /api/, SSE run progress, OAuth callback, scheduler, web UI at /. */
export async function createServer(options: CreateServerOptions = {}): Promise<SluiceServer> {
  const env = options.env ?? process.env;
  const projectFile = await findProjectFile(options.project ?? options.projectDir, process.cwd());
  const projectDir = dirname(projectFile);
  const store = options.store ?? (await openProjectStore(projectFile, { env }));
  const ownsStore = !options.store;
  // Requests the server sends for API users (runs, tests, builder sends, OAuth) never reach its own network.
  const networkPolicy = networkPolicyFromEnv(env, { serverMode: true });
  const tokens = await resolveApiTokens({ store, token: options.token, operatorToken: options.operatorToken, env });
  const metricsToken = resolveMetricsToken({ token: options.metricsToken, env, others: [tokens.admin.token, tokens.operator.token] });
  const serverTokens = [tokens.admin.token, tokens.operator.token, ...(metricsToken ? [metricsToken] : [])];

  let lastRedactor = new Redactor().add(...serverTokens);
  // The project on disk did not load (not an edit that was refused): the UI opens sluice.yaml's editor for these.
  const projectLoadErrors = new WeakSet<ConfigError>();
  const load = async (): Promise<LoadedProject> => {
    try {
      const loaded = await loadProject({ project: projectFile, cwd: projectDir, env, connectorsDir: options.connectorsDir, secrets: store, networkPolicy });
      loaded.redactor.add(...serverTokens);
      lastRedactor = loaded.redactor;
      return loaded;
    } catch (e) {
      if (e instanceof ConfigError) {
        e.issues.forEach((i) => (i.message = lastRedactor.mask(i.message)));
        projectLoadErrors.add(e);
      }
      throw e;
    }
  };

  const logger: Logger | undefined = options.logger
    ? pino(
        { level: env.SLUICE_LOG_LEVEL || 'info', serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?')[0] }) } },
        { write: (line: string) => void process.stderr.write(lastRedactor.mask(line)) },
      )
    : undefined;
  const log = (level: 'info' | 'warn' | 'error', message: string) => logger?.[level](lastRedactor.mask(message));

  // Runs that a killed or crashed process left as running are recorded as failed (their leases tell which).
  try {
    const { project } = await load();
    for (const name of new Set([...Object.keys(project.syncs), ...Object.keys(project.pipelines)])) await sweepStaleRuns(store, name, { env });
  } catch (e) {
    log('warn', `stale runs not swept: ${e instanceof Error ? e.message : String(e)}`);
  }

  const queue = options.queue ?? (env.SLUICE_QUEUE === 'redis' ? 'redis' : 'local');
  const executor: RunExecutor =
    queue === 'redis'
      ? await redisRunExecutor({
          url: options.redisUrl ?? redisUrl(env),
          prefix: options.redisPrefix ?? (env.SLUICE_REDIS_PREFIX || undefined),
          store,
          timing: queueTiming(env),
          log,
          projectFile,
          names: async () => {
            const { project } = await load();
            return [...new Set([...Object.keys(project.syncs), ...Object.keys(project.pipelines)])];
          },
        })
      : localRunExecutor({ store, load });
  const runs = new RunManager({
    executor,
    onError: (job, e) => log('error', `run ${job.runId} (${job.kind} ${job.name}): ${e instanceof Error ? e.message : String(e)}`),
  });

  let editing: Promise<unknown> = Promise.resolve();
  const pendingOAuth = new Map<string, PendingOAuth>();
  const ctx: ServerContext = {
    projectFile,
    projectDir,
    store,
    env,
    runs,
    scheduler: null,
    connectorsDir: options.connectorsDir,
    publicUrl: options.publicUrl,
    networkPolicy,
    load,
    redactor: () => lastRedactor,
    edit<T>(fn: () => Promise<T>): Promise<T> {
      const next = editing.then(fn, fn);
      editing = next.catch(() => undefined);
      return next;
    },
    projectChanged: () => scheduleReload(),
    startRun(loaded, request) {
      const job = { runId: newRunId(), kind: request.kind, name: request.name, vars: request.vars ?? {}, full: request.full ?? false, asRejected: request.asRejected ?? false, ...(request.baseline ? { baseline: true } : {}), trigger: request.trigger };
      const run = runs.start(job, jobLocks(loaded.project, request.kind, request.name));
      log('info', `run ${job.runId} started: ${job.kind} ${job.name} (${job.trigger})`);
      void run.done.then((o) => {
        const error = ('error' in o && o.error) || o.run?.error;
        log('info', `run ${job.runId} ${o.run?.status ?? 'failed'}: ${job.kind} ${job.name}${error ? ` (${error})` : ''}`);
      });
      return run;
    },
    pendingOAuth,
  };

  // The scheduler: a tick starts a run and waits for it, so croner's `protect` skips ticks while it runs.
  let scheduler: Scheduler | null = null;
  if (options.scheduler) {
    scheduler = createScheduler({
      timezone: options.timezone ?? (env.SLUICE_TIMEZONE || 'UTC'),
      log,
      // Every server sharing the state runs the scheduler: one row per tick in the store lets one of them run it.
      isPaused: async (item) => (await schedulePausedAt(store, item.kind, item.name)) !== null,
      claimTick: (item, tickAt) => store.claimScheduleTick(`${item.kind}:${item.name}`, tickAt, `${thisProcess().host}:${thisProcess().pid}`),
      onTick: async (item) => {
        const loaded = await load();
        const lock = jobLocks(loaded.project, item.kind, item.name).map((l) => runs.holder(l)).find((h) => h);
        if (lock) return log('info', `schedule: ${item.kind} ${item.name} is still running (run ${lock}); this tick is skipped`);
        // Runs of another process (the CLI, another server) hold a lease instead: skipped alike, not recorded as failed.
        const lease = await store.getLease(runLeaseName(item.kind, item.name));
        if (lease && !lease.expired && !processEnded(lease.process)) {
          return log('info', `schedule: ${item.kind} ${item.name} is running elsewhere (run ${lease.owner}); this tick is skipped`);
        }
        await ctx.startRun(loaded, { kind: item.kind, name: item.name, trigger: 'schedule' }).done;
      },
    });
    ctx.scheduler = scheduler;
    await load().then(
      (loaded) => scheduler!.update(loaded.project),
      (e: unknown) => log('warn', `schedules not started: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  let reloadTimer: NodeJS.Timeout | undefined;
  function scheduleReload(): void {
    if (!scheduler) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      load().then(
        (loaded) => scheduler?.update(loaded.project),
        (e: unknown) => log('warn', `sluice.yaml changed but has errors; schedules unchanged: ${e instanceof Error ? e.message : String(e)}`),
      );
    }, 250);
  }
  let watcher: FSWatcher | undefined;
  if (options.watch ?? Boolean(scheduler)) {
    // The directory, not the file: editors (and the API) replace the file, which ends a watch on it.
    watcher = watch(projectDir, (_event, name) => {
      if (name === basename(projectFile)) scheduleReload();
    });
    watcher.on('error', () => undefined);
  }

  const bodyLimit = 10 * 1024 * 1024;
  const app: FastifyInstance = logger
    ? (Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit }) as unknown as FastifyInstance)
    : Fastify({ logger: false, bodyLimit });
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });

  guardRequests(app, {
    adminToken: tokens.admin.token,
    operatorToken: tokens.operator.token,
    metricsToken,
    bindHost: options.host,
    publicUrl: options.publicUrl,
    allowedHosts: env.SLUICE_ALLOWED_HOSTS,
  });
  // Only JSON bodies are parsed: a text/plain body (what a cross-site form can send) is refused before any handler.
  app.removeContentTypeParser('text/plain');

  // A safety net under the routes' own masking: no string the project knows as a secret leaves in a JSON answer.
  app.addHook('preSerialization', async (_request, _reply, payload) => lastRedactor.maskValue(payload));

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof ConfigError) {
      const issues = error.issues;
      const first = issues.length === 1 ? formatConfigIssue(issues[0]!) : `${issues.length} configuration issues`;
      return reply.code(422).send({ error: first, code: projectLoadErrors.has(error) ? 'invalid_project' : 'invalid_config', params: { count: issues.length, file: issues[0]?.file ?? '' }, issues } satisfies ApiErrorBody);
    }
    if (error instanceof HttpError) return reply.code(error.statusCode).send({ error: error.message, code: error.code, ...(error.params ? { params: error.params } : {}) } satisfies ApiErrorBody);
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: error.message, code: errorCodeForStatus(status) } satisfies ApiErrorBody);
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: lastRedactor.mask(error.message), code: 'internal' } satisfies ApiErrorBody);
  });

  await app.register(healthRoutes, { ctx });
  await app.register(validateRoutes, { ctx });
  await app.register(projectTextRoutes, { ctx });
  await app.register(connectionsRoutes, { ctx });
  await app.register(connectorsRoutes, { ctx });
  await app.register(syncsRoutes, { ctx });
  await app.register(debugRoutes, { ctx });
  await app.register(notificationsRoutes, { ctx });
  await app.register(syncDraftsRoutes, { ctx });
  await app.register(pipelinesRoutes, { ctx });
  await app.register(runsRoutes, { ctx });
  await app.register(schedulesRoutes, { ctx });
  await app.register(deleteRoutes, { ctx });
  await app.register(oauthRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await app.register(webRoutes, { webDir: options.webDir ?? join(packageRoot(), 'web', 'dist') });
  await app.ready();

  let closed = false;
  return {
    app,
    apiToken: tokens.admin,
    operatorToken: tokens.operator,
    routes,
    scheduler,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(reloadTimer);
      watcher?.close();
      scheduler?.stop();
      await runs.close();
      await app.close();
      if (ownsStore) await store.close();
    },
  };
}
