import type { DebugExchange, SyncDebug } from '../../api/debug.js';
import { findSyncDebug, MAX_DEBUG_KEY_CHARS } from '../../sync/find-sync-debug.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { openProject } from '../open-project.js';

export interface SyncDebugArgs {
  name: string;
  key: string;
  runId?: string;
  limit: number;
}

/**
 * `sluice sync debug NAME --key K [--run R] [--limit N]`: the HTTP exchanges behind one record, newest first: run,
 * time, attempt, outcome, the request (method, URL, headers, body) and the response (status, headers, body), masked.
 * Exit 1 when none is kept for the key (the reason is printed), 2 for an unknown sync or a bad argument.
 */
export async function runSyncDebug(args: SyncDebugArgs, ctx: CommandContext): Promise<number> {
  if (args.key.length > MAX_DEBUG_KEY_CHARS) return usage(ctx, `--key is longer than ${MAX_DEBUG_KEY_CHARS} characters`);
  if (args.runId !== undefined && !/^[\w.:-]{1,100}$/.test(args.runId)) return usage(ctx, `--run expects a run id as sluice sync runs lists it`);
  const { loaded, store, close } = await openProject(ctx);
  try {
    const debug = await findSyncDebug(loaded, store, args.name, { key: args.key, runId: args.runId, limit: args.limit });
    if (ctx.json) ctx.stdout.write(JSON.stringify(debug) + '\n');
    else if (debug.note === null) ctx.stdout.write(formatDebug(debug));
    if (debug.note !== null) ctx.stderr.write(`sluice sync debug: ${printable(debug.note)}\n`);
    return debug.exchanges.length > 0 ? ExitCode.ok : ExitCode.runFailed;
  } finally {
    await close();
  }
}

/** Each exchange as a block: a head line, then the request and the response, bodies indented. */
export function formatDebug(debug: SyncDebug): string {
  const out: string[] = [];
  for (const e of debug.exchanges) out.push(...formatExchange(e), '');
  const more = debug.more ? '; more are kept (raise --limit, or narrow with --run)' : '';
  out.push(`${debug.exchanges.length} exchange${debug.exchanges.length === 1 ? '' : 's'} of key ${printable(debug.key)}${more}`);
  return out.join('\n') + '\n';
}

function formatExchange(e: DebugExchange): string[] {
  const batch = e.records > 1 ? `, a batch of ${e.records}` : '';
  const lines = [
    `run ${e.runId}  ${e.at}  attempt ${e.attempt}  ${e.outcome}  (${e.operation} via ${e.endpoint}${batch})`,
  ];
  if (e.error !== null) lines.push(`  error: ${printable(e.error)}`);
  lines.push(`  > ${e.method} ${printable(e.url)}`);
  for (const [name, value] of Object.entries(e.requestHeaders)) lines.push(`  > ${printable(name)}: ${printable(value)}`);
  if (e.auth !== null) lines.push(`  > (the ${e.auth} credential was added when sent, and is not kept)`);
  if (e.requestBody !== null) lines.push(...indented(e.requestBody, '  > '));
  if (e.status === null) {
    lines.push('  < no response');
    return lines;
  }
  lines.push(`  < ${e.status}${e.durationMs === null ? '' : `  (${e.durationMs} ms)`}`);
  for (const [name, value] of Object.entries(e.responseHeaders)) lines.push(`  < ${printable(name)}: ${printable(value)}`);
  if (e.responseBody !== null) lines.push(...indented(e.responseBody, '  < '));
  return lines;
}

/** A body, after a blank marker line, each of its lines behind the prefix. */
function indented(body: string, prefix: string): string[] {
  return [prefix.trimEnd(), ...printable(body, true).split('\n').map((line) => prefix + line)];
}

/**
 * Text safe for a terminal: control characters (an escape sequence an API or a hostile key could carry) written as
 * JSON escapes; newlines kept when `multiline`.
 */
function printable(text: string, multiline = false): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(multiline ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function usage(ctx: CommandContext, message: string): number {
  ctx.stderr.write(`sluice sync debug: ${message}\n`);
  return ExitCode.usage;
}
