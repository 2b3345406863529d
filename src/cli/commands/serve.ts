import type { AddressInfo } from 'node:net';
import { createServer } from '../../server/create-server.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** Arguments of `sluice serve`. */
export interface ServeArgs {
  port: number;
  host: string;
  /** Stops the server when aborted (tests); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
}

/** Resolves on SIGINT, SIGTERM or the abort of `signal`. */
function untilStopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const stop = (why: string) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(why);
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    if (signal?.aborted) onInt();
    signal?.addEventListener('abort', stop('abort'), { once: true });
  });
}

/** `sluice serve`: the REST API, the web UI and the scheduler on one port, until SIGINT or SIGTERM. */
export async function runServe(args: ServeArgs, ctx: CommandContext): Promise<number> {
  const server = await createServer({ project: ctx.project, scheduler: true, logger: true });
  try {
    await server.app.listen({ port: args.port, host: args.host });
  } catch (e) {
    await server.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${args.port} on ${args.host} is in use: pass --port to choose another`);
    throw e;
  }
  const { port } = server.app.server.address() as AddressInfo;
  const host = args.host.includes(':') ? `[${args.host}]` : args.host === '0.0.0.0' ? '127.0.0.1' : args.host;
  const url = `http://${host}:${port}`;
  const showToken = server.apiToken.source === 'generated' || server.apiToken.source === 'stored';
  const schedules = server.scheduler?.items().length ?? 0;
  if (ctx.json) {
    ctx.stdout.write(JSON.stringify({ url, ...(showToken ? { token: server.apiToken.token } : {}), schedules }) + '\n');
  } else {
    ctx.stdout.write(`Sluice is serving at ${url}  (web UI at /, REST API under /api/)\n`);
    if (showToken) {
      const how = server.apiToken.source === 'generated' ? 'generated and stored in the state' : 'stored in the state';
      ctx.stdout.write(`API token (${how}; set SLUICE_API_TOKEN to choose your own):\n  ${server.apiToken.token}\n`);
    } else {
      ctx.stdout.write('API token: the value of SLUICE_API_TOKEN\n');
    }
    ctx.stdout.write(`${schedules} scheduled sync${schedules === 1 ? '' : 's'} and pipelines (timezone ${process.env.SLUICE_TIMEZONE || 'UTC'}); Ctrl-C stops\n`);
  }
  await untilStopped(args.signal);
  if (!ctx.json) ctx.stdout.write('stopping: running runs are cancelled and recorded...\n');
  await server.close();
  return ExitCode.ok;
}
