/** How long a run's lease lasts and how often it is renewed. */
export interface LeaseTiming {
  /** A lease not renewed for this long expires, and another run may take over (default 60 s). */
  ttlMs: number;
  /** How often the holder renews it (default a quarter of ttlMs). */
  renewEveryMs: number;
}

/** The lease timing: given values, else SLUICE_LEASE_TTL_MS, else 60 s renewed every 15 s. */
export function leaseTiming(options: Partial<LeaseTiming> & { env?: NodeJS.ProcessEnv } = {}): LeaseTiming {
  const text = (options.env ?? process.env).SLUICE_LEASE_TTL_MS;
  let ttlMs = options.ttlMs ?? 60_000;
  if (options.ttlMs === undefined && text !== undefined && text !== '') {
    ttlMs = Number(text);
    // Shorter leases would expire while a busy process is still alive, and let a second run in.
    if (!Number.isInteger(ttlMs) || ttlMs < 1000) {
      throw new Error(`SLUICE_LEASE_TTL_MS is "${text}": give a whole number of milliseconds, at least 1000`);
    }
  }
  return { ttlMs, renewEveryMs: options.renewEveryMs ?? Math.floor(ttlMs / 4) };
}
