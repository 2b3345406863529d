import type { z } from 'zod';
import { HttpError } from './http-error.js';

/** Parses a request body or query with a zod schema; a bad input is a 400 naming the first problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'body'): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? `${what}.${issue.path.map(String).join('.')}` : what;
  throw new HttpError(400, `${where}: ${issue.message}`, { code: 'invalid_input', params: { where, detail: issue.message } });
}
