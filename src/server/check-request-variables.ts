import { checkRunVariables, type RunTarget } from '../config/check-run-variables.js';
import { ConfigError } from '../config/config-error.js';
import type { LoadedProject } from '../config/load-project.js';
import { HttpError } from './http-error.js';

/** A request's `vars` checked as `--var` is, before any run starts: a refused name or value is a 400 with the CLI's message. */
export function checkRequestVariables(loaded: LoadedProject, target: RunTarget, vars: Record<string, string> | undefined): void {
  try {
    checkRunVariables(loaded, target, vars);
  } catch (e) {
    if (e instanceof ConfigError) throw new HttpError(400, e.message);
    throw e;
  }
}
