import { api } from './api-client.js';
import type { ConnectionSummary } from '../../src/api/connections.js';

/** How an authorization ended: connected, or the plain-language reason it did not. */
export type AuthorizeOutcome = { ok: true } | { ok: false; reason: 'closed' | 'timeout' | 'error'; message?: string };

/** Whether a URL is an http(s) address (what an authorization page must be). */
export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The callback page's text once the popup is back on our origin (reading another origin throws: not yet). */
function callbackText(popup: Window | null): string | null {
  try {
    if (!popup || popup.closed) return null;
    if (popup.location.origin !== window.location.origin || !popup.location.pathname.startsWith('/oauth/callback')) return null;
    if (popup.document.readyState !== 'complete') return null;
    return popup.document.body?.innerText ?? '';
  } catch {
    return null;
  }
}

/**
 * Starts OAuth for a connection: opens the provider's authorization page in a new window, then polls the connection
 * list until `authorized` turns true (or the callback page reports an error, the window closes, or time runs out).
 */
export async function authorizeConnection(name: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<AuthorizeOutcome> {
  // Open the window within the click so popup blockers allow it; the URL follows once the server answers.
  const popup = window.open('about:blank', '_blank');
  let url: string;
  try {
    ({ url } = await api<{ url: string }>(`/api/connections/${encodeURIComponent(name)}/authorize`, { method: 'POST' }));
  } catch (e) {
    popup?.close();
    throw e;
  }
  // Only a web address is followed: a `javascript:` or `data:` URL would run in this origin, where the token is.
  if (!isWebUrl(url)) {
    popup?.close();
    throw new Error(`refused to open the authorization URL: it is not an http(s) address (${url.slice(0, 40)})`);
  }
  if (popup) {
    // The provider's page gets no handle on this window (what noopener does), while this page still watches the popup.
    popup.opener = null;
    popup.location.href = url;
  } else {
    window.open(url, '_blank', 'noopener,noreferrer');
  }

  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const interval = options.intervalMs ?? 1000;
  let callbackSeenAt: number | null = null;
  while (Date.now() < deadline) {
    await sleep(interval);
    const list = await api<ConnectionSummary[]>('/api/connections');
    if (list.find((c) => c.name === name)?.authorized) return { ok: true };
    const text = callbackText(popup);
    if (text !== null) {
      // The callback page has loaded yet the tokens are not there: give the list one more poll, then report it.
      callbackSeenAt ??= Date.now();
      if (Date.now() - callbackSeenAt >= interval) return { ok: false, reason: 'error', message: text.trim() };
    }
    if (popup?.closed && callbackSeenAt === null) return { ok: false, reason: 'closed' };
  }
  return { ok: false, reason: 'timeout' };
}
