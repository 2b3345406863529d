/**
 * The secret parts of a URL, for the redactor: its user info (the password, or a user name that stands alone as a
 * token), as written and decoded. With `whole` (a `base_url_secret` connector's URL, such as a
 * Slack incoming webhook), also everything after the host, so a masked URL still shows the scheme and host a user
 * debugging a run needs (`https://hooks.slack.com/****`). A host is never masked: it is public (DNS, certificates),
 * and masking `slack.com` would also mask it inside every other name.
 */
export function urlSecrets(text: string | undefined, options: { whole?: boolean } = {}): string[] {
  if (!text) return [];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: the whole text is the secret when it was declared one, else there is nothing to find in it.
    return options.whole ? [text] : [];
  }
  const secrets: string[] = [];
  const both = (written: string): void => {
    secrets.push(written);
    try {
      secrets.push(decodeURIComponent(written));
    } catch {
      // A malformed escape is only ever sent as written.
    }
  };
  // The user name next to a password stays readable (`https://ann:****@host`), as it does in every masked URL.
  if (url.password) {
    both(url.password);
  } else if (url.username) {
    both(url.username);
  }
  if (options.whole) {
    // As written and as the URL parser rewrites it (escapes added, a backslash read as /): either can be printed.
    secrets.push(afterHost(text.trim()), afterHost(url.href));
  }
  return secrets;
}

/** What follows a URL's host (path, query, fragment), without the first `/`. */
function afterHost(href: string): string {
  const scheme = href.indexOf('//');
  const from = scheme < 0 ? 0 : scheme + 2;
  const end = href.slice(from).search(/[/?#\\]/);
  return end < 0 ? '' : href.slice(from + end).replace(/^\//, '');
}
