/** The process holding a lease, so a run on the same machine can tell that it has ended. */
export interface LeaseProcess {
  /** The host name, as messages show it. */
  host: string;
  pid: number;
  /** Where the pid names this very process (machine boot and PID namespace); null when unknown, and then only expiry frees the lease. */
  scope: string | null;
}

/** A lease: one run at a time holds a name (`sync:NAME`, `pipeline:NAME`) until it releases it or stops renewing it. */
export interface Lease {
  name: string;
  /** The holder's run id. */
  owner: string;
  process: LeaseProcess;
  acquiredAt: string;
  expiresAt: string;
  /** Whether expiresAt has passed, by the store's clock (the database server's, for PostgreSQL). */
  expired: boolean;
}

/** What a run asks for when it takes a lease. */
export interface LeaseRequest {
  /** The run id that will hold it. */
  owner: string;
  /** How long it holds without renewing. */
  ttlMs: number;
  process: LeaseProcess;
  /** Take it even unexpired if this run still holds it (its process is known to have ended). */
  takeOverFrom?: string;
}

/** Whether a lease was taken, and the lease it replaced (expired or taken over), or who holds it. */
export type LeaseResult = { acquired: true; lease: Lease; replaced: Lease | null } | { acquired: false; holder: Lease };

/** Leases (one run at a time per sync or pipeline) and schedule ticks (one server per tick). */
export interface LeaseStore {
  /** Takes a lease atomically: when it is free, expired, or held by `takeOverFrom`; of racing callers exactly one wins. */
  acquireLease(name: string, request: LeaseRequest): Promise<LeaseResult>;
  /** Extends the owner's lease by ttlMs from now; false when the lease is no longer the owner's. */
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if the owner still holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  /** The lease on a name, expired or not; null when nobody holds it. */
  getLease(name: string): Promise<Lease | null>;

  /**
   * Claims one tick of a schedule (`sync:NAME` at its scheduled time) for `owner`: of every server sharing the state,
   * exactly one gets true. Claims older than a day are forgotten.
   */
  claimScheduleTick(schedule: string, tickAt: string, owner: string): Promise<boolean>;
}
