import { credentialUrlProblem } from '../../config/credential-url.js';
import { fetch as undiciFetch } from 'undici';
import { guardedFetch, type FetchFunction } from '../../http/guarded-fetch.js';
import type { NetworkPolicy } from '../../http/network-policy.js';

/** The most bytes an external answer may have on the wire. */
const MAX_DOWNLOAD = 64 * 1024 * 1024;

/** How long an external fetch may take, whatever the run's signal says. */
const TIMEOUT_MS = 300_000;

/**
 * Without a policy (the CLI) the process's global dispatcher carries the fetch, so whatever governs it applies too
 * (offline connector test cases refuse every connection there); with one, the guarded pool checks each address.
 */
const unguarded: FetchFunction = async (url, init) => (await undiciFetch(url, init as object)) as unknown as Response;

/**
 * Fetches a URL an API gave (Mailchimp's results archive on S3) as bytes with a plain GET: no credential, no connector
 * header, no cookie, no redirect followed. It goes over https (http only for loopback and SLUICE_ALLOWED_HOSTS), through
 * the connection's network policy (server mode refuses private addresses). Errors name the URL's origin and path only:
 * a presigned URL's query is its credential.
 */
export async function fetchExternal(url: string, options: { policy?: NetworkPolicy; signal?: AbortSignal; maxBytes?: number }): Promise<Buffer> {
  const problem = credentialUrlProblem(url);
  let shown: string;
  try {
    const parsed = new URL(url);
    shown = `${parsed.origin}${parsed.pathname}`;
  } catch {
    shown = 'the URL';
  }
  if (problem) throw new Error(`refused to fetch ${shown}: ${problem.replace(url, shown).replace('credentials would travel', 'the results would travel')}`);
  const limit = options.maxBytes ?? MAX_DOWNLOAD;
  const signals = [AbortSignal.timeout(TIMEOUT_MS), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    const fetch = options.policy ? guardedFetch(options.policy) : unguarded;
    response = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.any(signals) });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause;
    throw new Error(`could not fetch ${shown}: ${cause?.message ?? (e as Error).message}`);
  }
  if (response.status >= 300 && response.status < 400) throw new Error(`${shown} answered ${response.status}, a redirect: not followed`);
  if (response.status !== 200) throw new Error(`${shown} answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) throw new Error(`${shown} is ${declared} bytes, more than the ${limit} read`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) throw new Error(`${shown} is more than the ${limit} bytes read`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
