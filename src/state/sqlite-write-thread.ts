import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One statement of a write-thread transaction: run once per parameter row, or `get` one row back. */
export interface WriteStep {
  sql: string;
  /** Parameter rows: the statement runs once for each. */
  rows?: unknown[][];
  /** Parameters of a query whose first row (or null) is returned. */
  get?: unknown[];
}

/** A query answered on the thread outside any transaction: its rows, as arrays of column values. */
export interface ReadStep {
  sql: string;
  params: unknown[];
  /**
   * A parameter made on the thread, at params[at]: JSON of [key, hash (hex) of its text] pairs. Hashing a batch there
   * leaves the event loop free to read and render the next.
   */
  hashedPairs?: { at: number; keys: string[]; texts: string[]; hash: string };
}

interface Reply {
  /** Per transaction of the group, per step. */
  results?: unknown[][];
  /** A read's rows. */
  rows?: unknown[][];
  error?: { message: string; code?: string };
}

type Waiter = {
  resolve: (results: unknown[]) => void;
  reject: (error: Error) => void;
} & ({ steps: WriteStep[]; read?: undefined } | { read: ReadStep; steps?: undefined });

// The thread's whole program. It is generic on purpose: the SQL stays with the store that owns the schema, and the
// thread is plain JavaScript evaluated as is, so it runs the same from the compiled package and from the test runner.
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const { hash } = require('node:crypto');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
db.pragma('synchronous = NORMAL');
const statements = new Map();
const prepared = (sql) => {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
};
const reads = new Map();
const preparedRead = (sql) => {
  let s = reads.get(sql);
  if (!s) reads.set(sql, (s = db.prepare(sql).raw(true)));
  return s;
};
const readParams = (read) => {
  const pairs = read.hashedPairs;
  if (!pairs) return read.params;
  const made = new Array(pairs.keys.length);
  for (let i = 0; i < made.length; i++) made[i] = [pairs.keys[i], hash(pairs.hash, pairs.texts[i])];
  const params = read.params.slice();
  params[pairs.at] = JSON.stringify(made);
  return params;
};
const run = db.transaction((groups) => groups.map((steps) => steps.map((step) => {
  const s = prepared(step.sql);
  if (step.get) return s.get(...step.get) ?? null;
  for (const params of step.rows ?? []) s.run(...params);
  return null;
})));
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (message.read) parentPort.postMessage({ rows: preparedRead(message.read.sql).all(...readParams(message.read)) });
    else parentPort.postMessage({ results: run.immediate(message.groups) });
  } catch (e) {
    parentPort.postMessage({ error: { message: String(e && e.message), code: e && e.code } });
  }
});
`;

/**
 * A SQLite connection on its own thread. A sync run's ledger writes go through it, so the B-tree work and the commits
 * of a million confirmed rows use the machine's other core instead of the event loop that renders and sends; so do
 * the plan's ledger lookups (`read`), which would otherwise hold the event loop while the source's next rows wait.
 * Transactions asked for while one runs are committed together, as one IMMEDIATE transaction (the write lock is
 * taken first: no deadlock with another writer): each keeps its all-or-nothing, and a busy run commits less often.
 * A group that fails fails every transaction in it.
 */
export class SqliteWriteThread {
  readonly #worker: Worker;
  /** Transactions waiting for the group on the thread to commit. */
  #queue: Waiter[] = [];
  /** Background transactions (the debugger's): each goes alone, and only when nothing else waits. */
  #background: Waiter[] = [];
  /** The group on the thread. */
  #running: Waiter[] | null = null;
  readonly #inFlight = new Set<Promise<unknown>>();
  #failed: Error | null = null;
  #closed: Promise<void> | null = null;
  #scheduled = false;

  constructor(file: string, busyTimeoutMs: number) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(PROGRAM, { eval: true, workerData: { driver, file, busyTimeoutMs } });
    // Idle, the thread must not keep the process alive; while a transaction is pending it must.
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const group = this.#running ?? [];
      this.#running = null;
      const error = reply.error && Object.assign(new Error(reply.error.message), { code: reply.error.code });
      group.forEach((w, i) => (error ? w.reject(error) : w.resolve(reply.rows ?? reply.results![i]!)));
      this.#schedule();
    });
    const fail = (error: Error) => {
      this.#failed ??= error;
      for (const w of [...(this.#running ?? []), ...this.#queue, ...this.#background]) w.reject(error);
      this.#running = null;
      this.#queue = [];
      this.#background = [];
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('the state store write thread has stopped')));
  }

  /**
   * Runs the steps in one transaction on the thread; resolves with each step's result (the row of a `get`, else null).
   * A `background` transaction waits while other work does and goes alone: a ledger write or a plan's read waits
   * behind one at most.
   */
  transaction(steps: WriteStep[], options: { background?: boolean } = {}): Promise<unknown[]> {
    return this.#enqueue({ steps }, options.background === true);
  }

  /**
   * Runs one query on the thread, in no transaction (it takes no lock from other writers), after the transactions
   * asked for before it; resolves with its rows as arrays of column values.
   */
  read(step: ReadStep): Promise<unknown[][]> {
    return this.#enqueue({ read: step }) as Promise<unknown[][]>;
  }

  #enqueue(work: { steps: WriteStep[] } | { read: ReadStep }, background = false): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new Error('the state store is closed'));
    if (this.#failed) return Promise.reject(this.#failed);
    const done = new Promise<unknown[]>((resolve, reject) => {
      (background ? this.#background : this.#queue).push({ ...work, resolve, reject });
      this.#schedule();
    });
    this.#inFlight.add(done);
    const forget = () => void this.#inFlight.delete(done);
    done.then(forget, forget);
    return done;
  }

  /**
   * Sends the next group once this turn of the event loop has queued what it will: the confirmations that arrive
   * together then commit as one group, with one message to the thread, not one each.
   */
  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#next();
    });
  }

  /** Sends what waits as the next group, unless a group is on the thread. */
  #next(): void {
    if (this.#running) return;
    if (this.#queue.length === 0 && this.#background.length > 0) this.#queue.push(this.#background.shift()!);
    if (this.#queue.length === 0) {
      // (Closing, the thread must keep the process alive until it has exited.)
      if (!this.#closed) this.#worker.unref();
      return;
    }
    // A read goes alone; transactions go together up to the next read, so each read sees what was asked before it.
    const head = this.#queue[0]!;
    const end = head.read ? 1 : this.#queue.findIndex((w) => w.read !== undefined);
    const group = this.#queue.splice(0, end < 0 ? this.#queue.length : end);
    this.#running = group;
    this.#worker.ref();
    this.#worker.postMessage(head.read ? { read: head.read } : { groups: group.map((w) => w.steps) });
  }

  /** Waits for the transactions sent, then closes the connection and ends the thread. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      if (this.#failed) return;
      const exited = new Promise<void>((r) => this.#worker.once('exit', () => r()));
      this.#worker.ref();
      this.#worker.postMessage('close');
      await exited;
    })();
    return this.#closed;
  }
}
