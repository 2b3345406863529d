/** What every command receives besides its own arguments. */
export interface CommandContext {
  /** `--project DIR`: a directory holding sluice.yaml, or the file itself; default: the nearest sluice.yaml upwards. */
  project: string | undefined;
  /** `--json`: machine-readable output on stdout. */
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where a command reads pasted input (`sluice connect --redirect-uri`); default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

/** Exit codes every command uses. */
export const ExitCode = { ok: 0, runFailed: 1, usage: 2 } as const;

/** A command's entry point: parsed arguments in, exit code out. */
export type CommandRun<A> = (args: A, ctx: CommandContext) => Promise<number>;
