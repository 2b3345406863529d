import type { Connection } from './project-schema.js';
import { urlSecrets } from './url-secrets.js';

const PUBLIC_AUTH_KEYS = new Set(['type', 'client_id', 'redirect_uri']);

/**
 * The secret values a connection holds: every auth value, passwords in URLs (user info in an http base_url too),
 * SSH credentials, access tokens. A `base_url_secret` connector's URL needs the connector: see load-project.
 */
export function connectionSecrets(connection: Connection): string[] {
  const secrets: string[] = [];
  switch (connection.type) {
    case 'http':
      // client_id and redirect_uri are public (RFC 6749 puts them in the authorization URL): masking them would hide
      // which app a connection uses and wreck that URL.
      for (const [key, value] of Object.entries(connection.auth)) if (!PUBLIC_AUTH_KEYS.has(key) && typeof value === 'string') secrets.push(value);
      secrets.push(...urlSecrets(connection.base_url));
      break;
    case 'postgres':
    case 'mysql':
      secrets.push(...urlPassword(connection.url));
      if (connection.ssh) secrets.push(...[connection.ssh.password, connection.ssh.private_key, connection.ssh.passphrase].filter((s) => s !== undefined));
      break;
    case 'bigquery':
      if (connection.access_token) secrets.push(connection.access_token);
      break;
  }
  return secrets;
}

function urlPassword(url: string): string[] {
  try {
    const password = new URL(url).password;
    return password ? [decodeURIComponent(password), password] : [];
  } catch {
    // Not a URL (a keyword/value connection string): look for password=...
    const m = /(?:^|\s)password=('(?:[^'\\]|\\.)*'|\S+)/.exec(url);
    return m ? [m[1]!.replace(/^'|'$/g, '')] : [];
  }
}
