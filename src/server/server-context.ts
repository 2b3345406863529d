import type { LoadedProject } from '../config/load-project.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import type { PendingAuthorization, AuthorizationOptions } from '../connectors/auth/oauth2-authorization.js';
import type { Redactor } from '../log/redactor.js';
import type { StateStore } from '../state/state-store.js';
import type { ManagedRun, RunManager } from './run-manager.js';
import type { Scheduler } from './scheduler.js';

/** An OAuth authorization started from the UI, waiting for the provider's redirect to /oauth/callback. */
export interface PendingOAuth {
  connection: string;
  flow: AuthorizationOptions;
  pending: PendingAuthorization;
  expiresAt: number;
}

/** What a run request asks for (the API's and the scheduler's). */
export interface RunRequest {
  kind: 'sync' | 'retry' | 'pipeline';
  name: string;
  vars?: Record<string, string>;
  full?: boolean;
  /** Retries: send the rows as they were when rejected. */
  asRejected?: boolean;
  /** Sync runs: a baseline (adopt what the destination holds, send no write). */
  baseline?: boolean;
  trigger: string;
}

/** What every route plugin shares: the project on disk, the state store, runs, the scheduler. */
export interface ServerContext {
  /** sluice.yaml (absolute) and its directory. */
  projectFile: string;
  projectDir: string;
  store: StateStore;
  env: NodeJS.ProcessEnv;
  runs: RunManager;
  scheduler: Scheduler | null;
  /** Where requests sent for API users may connect: private, loopback and link-local addresses only when listed. */
  networkPolicy: NetworkPolicy;
  /** The URL users reach the server at (`--public-url`), when given: OAuth redirect URIs are built on it. */
  publicUrl?: string;
  /** Built-in connector specs (tests point elsewhere). */
  connectorsDir?: string;
  /** Loads sluice.yaml from disk as it is now; throws a ConfigError listing its issues. */
  load(): Promise<LoadedProject>;
  /** The redactor of the last project loaded (knows every secret), for masking what the server answers and logs. */
  redactor(): Redactor;
  /** Runs file edits one at a time. */
  edit<T>(fn: () => Promise<T>): Promise<T>;
  /** Tells the server sluice.yaml changed (schedules are re-read). */
  projectChanged(): void;
  /** Starts a run under a new id with its locks (409 when one is held). */
  startRun(loaded: LoadedProject, request: RunRequest): ManagedRun;
  /** OAuth authorizations waiting for their callback, by state. */
  pendingOAuth: Map<string, PendingOAuth>;
}
