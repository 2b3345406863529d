import { LedgerFollowers, planMarkName } from './ledger-followers.js';
import { newRunId } from './new-run-id.js';
import type { SealedSecret, SecretBox } from './secret-box.js';
import { zeroCounts } from './state-records.js';
import type { LedgerChanges, LedgerFollower, NewRun, RunRecord } from './state-store.js';

/**
 * What every state store does alike, whatever its database: a new run's record, the plan marks kept as named values,
 * the ledger's followers told once a change is committed, secrets sealed before they are stored and opened after they
 * are read. The SQLite and PostgreSQL stores extend it with the rest of StateStore, and write the SQL.
 */
export abstract class SqlStateStore {
  readonly #secretBox: () => Promise<SecretBox>;
  readonly #followers = new LedgerFollowers();

  /** `secretBox` is resolved on first use of a secret (so a project without secrets needs no key). */
  constructor(secretBox: () => Promise<SecretBox>) {
    this.#secretBox = secretBox;
  }

  // Plan marks are named values (StateStore.getValue and setValue).
  abstract getValue(name: string): Promise<string | null>;
  abstract setValue(name: string, value: string): Promise<void>;

  async createRun(run: NewRun): Promise<RunRecord> {
    const status = run.status ?? 'running';
    const record: RunRecord = {
      id: run.id ?? newRunId(),
      kind: run.kind,
      name: run.name,
      status,
      trigger: run.trigger,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      counts: zeroCounts(),
      error: null,
      attempt: status === 'queued' ? 0 : 1,
    };
    await this.insertRun(record);
    return record;
  }

  /** Inserts a new run's row (its counts start at the columns' default, zero). */
  protected abstract insertRun(record: RunRecord): Promise<void>;

  async applyLedgerChanges(sync: string, changes: LedgerChanges): Promise<{ previousMark: string | null }> {
    const { mark, follower } = this.#followers.markOf(sync, changes);
    const previousMark = await this.writeLedgerChanges(sync, changes, mark);
    // Told once committed: a follower never sees a change that was rolled back.
    await follower?.written(changes.put, changes.deleted, previousMark);
    return { previousMark };
  }

  /**
   * Writes a batch's changes and the mark (when there is one) in one transaction; returns the marked value as it was
   * before (null when unset or nothing was marked).
   */
  protected abstract writeLedgerChanges(
    sync: string,
    changes: LedgerChanges,
    mark: LedgerChanges['mark'],
  ): Promise<string | null>;

  async getPlanMark(sync: string): Promise<string | null> {
    return this.getValue(planMarkName(sync));
  }

  async setPlanMark(sync: string, value: string): Promise<void> {
    await this.setValue(planMarkName(sync), value);
  }

  followLedger(sync: string, follower: LedgerFollower): () => void {
    return this.#followers.follow(sync, follower);
  }

  async getSecret(name: string): Promise<string | null> {
    const sealed = await this.readSecret(name);
    return sealed ? (await this.#secretBox()).open(name, sealed) : null;
  }

  async putSecret(name: string, value: string): Promise<void> {
    await this.writeSecret(name, (await this.#secretBox()).seal(name, value));
  }

  /** A secret as stored; null when unset. */
  protected abstract readSecret(name: string): Promise<SealedSecret | null>;
  /** Stores a sealed secret, replacing any of the same name. */
  protected abstract writeSecret(name: string, sealed: SealedSecret): Promise<void>;
}
