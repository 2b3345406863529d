import type { Lease } from '../state/state-store.js';

/** A run refused because another live run holds its sync's or pipeline's lease; it sent nothing. */
export class AlreadyRunningError extends Error {
  constructor(readonly holder: Lease) {
    const [kind, ...name] = holder.name.split(':');
    const { pid, host } = holder.process;
    super(`${kind} "${name.join(':')}" is already running (run ${holder.owner}, started ${holder.acquiredAt} by process ${pid} on ${host})`);
    this.name = 'AlreadyRunningError';
  }
}
