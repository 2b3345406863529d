import { runSluice, type CommandOptions } from '../examples/run-command.js';

/** One JSON line `sluice serve --json` prints: where it listens and its token, or why it did not start. */
interface ServeLine {
  url?: string;
  token?: string;
  error?: string;
}

/**
 * Starts `sluice serve --port 0 --json` (the built CLI) and stops it with SIGTERM once it listens. Returns its exit code,
 * all it printed, and the API token it printed on starting; or, when it does not start, the error it printed.
 */
export async function serveUntilListening(options: CommandOptions): Promise<{ code: number | null; stdout: string; token?: string; error?: string }> {
  let started: ServeLine | undefined;
  // While it runs, only whole lines are JSON: the last piece may be half a line still on its way.
  const lines = (printed: string, finished = false) =>
    printed
      .split('\n')
      .slice(0, finished ? undefined : -1)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ServeLine);
  const result = await runSluice(['serve', '--port', '0', '--json'], {
    ...options,
    onStdout: (printed, child) => {
      if (started) return;
      started = lines(printed).find((l) => l.url !== undefined);
      if (started) child.kill('SIGTERM');
    },
  });
  return { code: result.code, stdout: result.stdout, token: started?.token, error: lines(result.stdout, true).find((l) => l.error !== undefined)?.error };
}
