const KEY = 'sluice.apiToken';

/** The API token kept in localStorage; a `?token=` in the URL replaces it (and is removed from the address bar). */
export function loadToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    saveToken(fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return window.localStorage.getItem(KEY);
}

/** Keeps the token for the next visits. */
export function saveToken(token: string): void {
  window.localStorage.setItem(KEY, token);
}

/** Forgets the token (it was refused, or the user signs out). */
export function clearToken(): void {
  window.localStorage.removeItem(KEY);
}
