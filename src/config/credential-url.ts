import { parseAddress, parseIpRange, rangeContains } from '../http/ip-range.js';
import { allowedHostsVariable, listsHost, parseHostRule } from '../http/network-policy.js';

const LOOPBACK = [parseIpRange('127.0.0.0/8')!, parseIpRange('::1')!];

/** Whether plain `http:` may carry credentials to this host: loopback, or a host the operator lists (a malformed entry lists nothing). */
function plainHttpAllowed(hostname: string, port: number, allowedHosts: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const address = parseAddress(host);
  if (address && LOOPBACK.some((r) => rangeContains(r, address))) return true;
  const rules = allowedHosts.split(',').flatMap((entry) => parseHostRule(entry.trim()) ?? []);
  return listsHost(rules, { hostname: host, port }, address);
}

/**
 * Why a URL that credentials travel to (a base URL, an OAuth authorization, token or refresh URL) is refused, or
 * null: it must be `https:`; `http:` only for loopback and the hosts `SLUICE_ALLOWED_HOSTS` lists. Anything else
 * (`javascript:`, `file:`, `data:`) would run or read something where Sluice expects a web address.
 */
export function credentialUrlProblem(url: string, env: Record<string, string | undefined> = process.env): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL (expected https://...)`;
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol !== 'http:') return `${JSON.stringify(parsed.protocol)} URLs are not allowed here: use https://`;
  const port = parsed.port ? Number(parsed.port) : 80;
  if (plainHttpAllowed(parsed.hostname, port, env[allowedHostsVariable] ?? '')) return null;
  return `credentials would travel unencrypted to ${parsed.host}: use https:// (http:// is allowed only for loopback and hosts listed in ${allowedHostsVariable})`;
}

/**
 * The same check on a Liquid template (`https://{{ config.space }}.backlog.com`), as far as its literal text tells:
 * the scheme when written, and the host when written without a template. A URL that starts with a template is
 * checked once rendered, when the connection opens.
 */
export function credentialTemplateProblem(template: string, env: Record<string, string | undefined> = process.env): string | null {
  const scheme = /^\s*([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(template);
  if (!scheme) return template.trim().startsWith('{') ? null : `${JSON.stringify(template)} is not a URL (expected https://...)`;
  const protocol = scheme[1]!.toLowerCase();
  if (protocol === 'https') return null;
  if (protocol !== 'http') return `"${protocol}:" URLs are not allowed here: use https://`;
  const authority = /^\s*http:\/\/([^/?#]*)/i.exec(template)?.[1] ?? '';
  if (authority.includes('{')) return null;
  return credentialUrlProblem(template.trim(), env);
}
