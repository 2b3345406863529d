import type { AddressInfo } from 'node:net';
import type { ApiToken } from '../../server/api-token.js';
import { createServer } from '../../server/create-server.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** Arguments of `sluice serve`. */
export interface ServeArgs {
  port: number;
  host: string;
  /** The URL users reach the server at, when it is not the bind address (a proxy, a DNS name). */
  publicUrl?: string;
  /** Stops the server when aborted (tests); SIGINT and SIGTERM always do. */
  signal?: AbortSignal;
}

/** Whether a public URL names a web origin: http(s), a host, no user info (OAuth redirect URIs are built on it). */
function isServerUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && url.username === '' && url.password === '';
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
  const publicUrl = args.publicUrl ?? (process.env.SLUICE_PUBLIC_URL || undefined);
  if (publicUrl !== undefined && !isServerUrl(publicUrl)) {
    ctx.stderr.write(`error: --public-url must be an http(s) URL of a host, with no user name or password, such as https://sluice.example.com (got "${publicUrl}")\n`);
    return ExitCode.usage;
  }
  const server = await createServer({ project: ctx.project, scheduler: true, logger: true, host: args.host, publicUrl });
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
  const shown = (t: ApiToken) => t.source === 'generated' || t.source === 'stored';
  const admin = server.apiToken;
  const operator = server.operatorToken;
  const schedules = server.scheduler?.items().length ?? 0;
  if (ctx.json) {
    const tokens = { ...(shown(admin) ? { token: admin.token } : {}), ...(shown(operator) ? { operatorToken: operator.token } : {}) };
    ctx.stdout.write(JSON.stringify({ url, ...tokens, schedules }) + '\n');
  } else {
    ctx.stdout.write(`Sluice is serving at ${url}  (web UI at /, REST API under /api/)\n`);
    const describe = (t: ApiToken, role: string, variable: string, can: string) => {
      if (!shown(t)) return `${role}: the value of ${variable} (${can})\n`;
      const how = t.source === 'generated' ? 'generated and stored in the state' : 'stored in the state';
      return `${role} (${how}; set ${variable} to choose your own) ${can}:\n  ${t.token}\n`;
    };
    ctx.stdout.write(describe(admin, 'Admin token', 'SLUICE_API_TOKEN', 'edits connectors, connections, syncs and SQL'));
    ctx.stdout.write(describe(operator, 'Operator token', 'SLUICE_OPERATOR_TOKEN', 'reads, previews, runs and retries'));
    ctx.stdout.write(`${schedules} scheduled sync${schedules === 1 ? '' : 's'} and pipelines (timezone ${process.env.SLUICE_TIMEZONE || 'UTC'}); Ctrl-C stops\n`);
  }
  await untilStopped(args.signal);
  if (!ctx.json) ctx.stdout.write('stopping: running runs are cancelled and recorded...\n');
  await server.close();
  return ExitCode.ok;
}
