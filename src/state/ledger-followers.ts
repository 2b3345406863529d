import { randomUUID } from 'node:crypto';
import type { LedgerChanges } from './ledger-store.js';
import type { LedgerFollower } from './plan-cache-store.js';

/** The state value holding a sync's plan mark (the name existing state files use). */
export const planMarkName = (sync: string) => `plan-snapshot:${sync}`;

/** What a ledger change marks in its transaction, and who is told once it is committed. */
export interface LedgerChangeMark {
  mark?: { name: string; value: string };
  follower?: LedgerFollower;
}

/** The followers of one state store's ledgers (PlanCacheStore.followLedger), shared by both implementations. */
export class LedgerFollowers {
  readonly #followers = new Map<string, LedgerFollower>();

  follow(sync: string, follower: LedgerFollower): () => void {
    this.#followers.set(sync, follower);
    return () => {
      if (this.#followers.get(sync) === follower) this.#followers.delete(sync);
    };
  }

  /** The mark a change sets: the one it names, else for a change of the ledger its follower's marker or a fresh dirty one. */
  markOf(sync: string, changes: LedgerChanges): LedgerChangeMark {
    if (changes.mark) return { mark: changes.mark };
    if (changes.put.length === 0 && changes.deleted.length === 0) return {};
    const follower = this.#followers.get(sync);
    return { mark: { name: planMarkName(sync), value: follower?.marker ?? `dirty:${randomUUID()}` }, follower };
  }
}
