import { z } from 'zod';

/** Faults a simulator can be told to inject (`POST /_sandbox/faults`, or `faults` in-process). */
export const sandboxFaultsSchema = z.strictObject({
  /** The next `count` API requests fail with this status and the API's own error body. */
  status: z.number().int().min(400).max(599).optional(),
  /** How many requests the `status` or `drop` fault hits (default 1). */
  count: z.number().int().min(1).optional(),
  /** Replaces the API-style error body of the `status` fault. */
  body: z.unknown().optional(),
  /** Extra headers on the `status` fault (`Retry-After`). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Only requests whose path starts with this are hit by `status` or `drop`. */
  path: z.string().optional(),
  /** The next `count` requests lose their connection without an answer. */
  drop: z.boolean().optional(),
  /** Every request waits this long before it is answered (0 turns it off). */
  latency_ms: z.number().int().min(0).optional(),
  /** Changes the API's request budget: limit, window, or what is left now. */
  rate_limit: z
    .strictObject({
      limit: z.number().int().min(0).optional(),
      window_ms: z.number().int().min(1).optional(),
      remaining: z.number().int().min(0).optional(),
    })
    .optional(),
  /** Every access token issued so far is expired from now on (refresh tokens stay valid). */
  expire_tokens: z.boolean().optional(),
});

export type SandboxFaults = z.infer<typeof sandboxFaultsSchema>;
