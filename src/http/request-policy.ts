import { z } from 'zod';

// The transport's settings as a connector spec declares them (rate_limit, retry, timeouts, responses). They live
// beside the transport so that it reads its own types and imports nothing of the layers that use it.

/** A field's description, read by editors (JSON Schema), the UI's forms and DESIGN's key tables. */
const about = (description: string) => ({ description });

/** A Liquid condition without braces, as in `{% if %}`. */
const condition = z.string();

export const rateLimitSchema = z.strictObject({
  requests_per_second: z.number().positive().optional().meta(about('The most requests a second this connection sends (token calls excluded). Default: no limit.')),
  concurrency: z.number().int().positive().default(4).meta(about('The most requests in flight at once. Default: 4.')),
});

export const retrySchema = z.strictObject({
  max_attempts: z.number().int().min(1).default(5).meta(about('Attempts of one request before it counts as failed, the first included. Default: 5.')),
  on_status: z.array(z.number().int()).default([408, 429, 500, 502, 503, 504]).meta(about('Statuses retried with backoff. Default: 408, 429, 500, 502, 503, 504.')),
  initial_delay_ms: z.number().int().min(0).default(500).meta(about('The first backoff, doubled (with jitter) for each retry. Default: 500.')),
  max_delay_ms: z.number().int().min(0).default(30_000).meta(about('The longest backoff between two attempts (Retry-After may ask for more). Default: 30000.')),
});

export const timeoutsSchema = z.strictObject({
  connect_ms: z.number().int().positive().default(10_000).meta(about('The longest a TCP/TLS connection may take to open. Default: 10000.')),
  read_ms: z.number().int().positive().default(60_000).meta(about('The longest silence while waiting for response bytes. Default: 60000.')),
  total_ms: z.number().int().positive().default(300_000).meta({
    description:
      'The longest one attempt of a request may take, connecting and reading the whole response included (read_ms only bounds a silence): past it the attempt fails as a timeout and is retried like one.',
  }),
});

export const responseActionSchema = z
  .enum(['success', 'retry', 'rate_limited', 'refresh_auth', 'reject', 'fail'])
  .meta(about('What the response means: success, retry (with backoff), rate_limited (wait, then retry), refresh_auth (renew the token, then retry once), reject (the row fails, the run goes on) or fail (the run stops).'));

export const responseRuleSchema = z
  .strictObject({
    when: condition.meta(about('A condition on response (status, headers, body), e.g. "response.status == 403 and response.body.code == \'LIMIT\'".')),
    action: responseActionSchema,
    message: z.string().optional().meta(about('The message for reject or fail (a template seeing response).')),
  })
  .meta(about('A rule classifying a response; the first that matches wins, before the defaults (2xx success, 401 refresh_auth, 429 rate_limited, 408 and 5xx retry, other 4xx reject).'));

export type ResponseRule = z.infer<typeof responseRuleSchema>;
export type ResponseAction = z.infer<typeof responseActionSchema>;
export type RetryPolicy = z.infer<typeof retrySchema>;
export type RateLimit = z.infer<typeof rateLimitSchema>;
