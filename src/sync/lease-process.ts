import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type { LeaseProcess } from '../state/state-store.js';

let current: LeaseProcess | undefined;

/** This process as its leases name it. */
export function thisProcess(): LeaseProcess {
  current ??= { host: os.hostname(), pid: process.pid, scope: pidScope() };
  return current;
}

/**
 * Whether the process holding a lease has certainly ended: it ran in this machine's PID namespace and its pid is gone.
 * Anything less certain (another machine or container, an unknown scope, a reused pid) waits for the lease to expire.
 */
export function processEnded(holder: LeaseProcess): boolean {
  const here = thisProcess();
  if (holder.scope === null || holder.scope !== here.scope || holder.pid === here.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Where a pid names one process: this boot of this kernel and this PID namespace (containers on one host have their
 * own). Linux only; elsewhere null, and a crashed holder's lease is freed by expiry alone.
 */
function pidScope(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return null;
  }
}
