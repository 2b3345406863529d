import { ConfigError } from '../config/config-error.js';

/** How the Redis run queue retries, detects crashed workers, and checks itself against the state store. */
export interface QueueTiming {
  /** A worker's hold on a job; one not renewed for this long (a crashed worker) is handed to another worker. */
  lockMs: number;
  /** Tries of a job before it fails for good (a crashed worker's job is handed on without using one). */
  attempts: number;
  /** The first wait before a job is tried again; it doubles each time. */
  backoffMs: number;
  /** How often a server reads the state store for the outcome of the runs it waits on. */
  pollMs: number;
  /** How often a server re-queues queued runs whose job vanished from Redis and fails those whose job failed. */
  reconcileMs: number;
}

/** The timing: SLUICE_QUEUE_LOCK_MS (default 30000) and SLUICE_QUEUE_RECONCILE_MS (default 30000); the rest fixed. */
export function queueTiming(env: NodeJS.ProcessEnv = process.env): QueueTiming {
  return {
    lockMs: whole(env, 'SLUICE_QUEUE_LOCK_MS', 30_000, 1000),
    attempts: 5,
    backoffMs: 10_000,
    pollMs: 2000,
    reconcileMs: whole(env, 'SLUICE_QUEUE_RECONCILE_MS', 30_000, 500),
  };
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError([{ file: 'environment', path: name, message: `"${text}": give a whole number of milliseconds, at least ${min}` }]);
  }
  return value;
}
