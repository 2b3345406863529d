import { sandboxRegistry, startSandboxes } from '../../../sandbox/start-sandboxes.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/** Arguments of `sluice sandbox [names...]`. */
export interface SandboxArgs {
  names: string[];
  /** First port; the next simulators take the ports after it (default: any free port). */
  port?: number;
  /** Resolves when the simulators should stop (default: SIGINT or SIGTERM). */
  until?: Promise<void>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Starts the named simulators (all when none named) with demo records, prints their URLs, and runs until SIGINT/SIGTERM. */
export async function runSandbox(args: SandboxArgs, ctx: CommandContext): Promise<number> {
  const unknown = args.names.filter((n) => !Object.hasOwn(sandboxRegistry, n));
  if (unknown.length > 0) {
    const message = `unknown sandbox ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${Object.keys(sandboxRegistry).join(', ')}`;
    if (ctx.json) ctx.stdout.write(JSON.stringify({ ok: false, error: message }) + '\n');
    else ctx.stderr.write(`error: ${message}\n`);
    return ExitCode.usage;
  }
  // Listen before starting, so a signal that arrives while the servers start still stops them.
  const until = args.until ?? untilSignal();
  const started = await startSandboxes(args.names, { port: args.port, demo: true });
  try {
    if (ctx.json) {
      ctx.stdout.write(JSON.stringify({ ok: true, urls: started.urls }) + '\n');
    } else {
      const width = Math.max(...Object.keys(started.urls).map((n) => n.length));
      for (const [name, url] of Object.entries(started.urls)) ctx.stdout.write(`${name.padEnd(width)}  ${url}\n`);
      ctx.stderr.write('\ncredentials:\n');
      for (const name of Object.keys(started.urls)) ctx.stderr.write(`  ${name.padEnd(width)}  ${sandboxRegistry[name]!.credentials}\n`);
      ctx.stderr.write('\nrunning; press Ctrl+C to stop\n');
    }
    await until;
  } finally {
    await started.close();
  }
  return ExitCode.ok;
}
