import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { loadProject } from '../../config/load-project.js';
import { connectionAuthorization } from '../../connectors/auth/connection-authorization.js';
import { completeAuthorization, startAuthorization, type PendingAuthorization } from '../../connectors/auth/oauth2-authorization.js';
import type { OAuth2Token } from '../../connectors/auth/oauth2-token-store.js';
import { openStateStore } from '../../state/open-state-store.js';
import { ExitCode, type CommandContext } from '../command-context.js';
import { reportError } from '../report-error.js';

/** Arguments of `sluice connect NAME`. */
export interface ConnectArgs {
  name: string;
  /** Port of the loopback callback server (default 8765; 0 = any free port). */
  port?: number;
  /** A fixed redirect URI registered at the provider; when it is not on this machine the redirected URL is pasted. */
  redirectUri?: string;
  /** Open a browser (when a display exists); false only prints the URL. */
  browser: boolean;
}

const defaultPort = 8765;
const callbackTimeoutMs = 5 * 60_000;

/** Authorizes an OAuth connection: prints (or opens) the authorization URL, catches the callback, stores the tokens. */
export async function runConnect(args: ConnectArgs, ctx: CommandContext): Promise<number> {
  const loaded = await loadProject({ project: ctx.project });
  const mask = (s: string) => loaded.redactor.mask(s);
  const usage = (message: string) => {
    ctx.stderr.write(`error: ${message}\n`);
    return ExitCode.usage;
  };
  const authorization = connectionAuthorization(loaded, args.name);
  if ('refused' in authorization) {
    switch (authorization.refused) {
      case 'unknown_connection':
        return usage(`no connection named "${args.name}" in ${loaded.file}`);
      case 'not_http':
        return usage(`connection "${args.name}" is a ${authorization.type} connection: only HTTP connections use OAuth`);
      case 'no_oauth2':
        return usage(`connection "${args.name}": its connector has no oauth2 auth, there is nothing to connect`);
      case 'not_oauth2_auth':
        return usage(`connection "${args.name}" needs auth: { type: oauth2, client_id, client_secret } to connect (got type ${authorization.authType})`);
    }
  }
  const { flow } = authorization;
  // With --json, stdout carries only the result; the instructions go to stderr.
  const say = (text: string) => (ctx.json ? ctx.stderr : ctx.stdout).write(text);

  const store = await openStateStore({ state: loaded.project.state, projectDir: loaded.dir });
  let server: Server | undefined;
  try {
    const fixed = args.redirectUri ?? authorization.redirectUri;
    const loopback = fixed === undefined ? new URL(`http://127.0.0.1:${args.port ?? defaultPort}/oauth/callback`) : loopbackUrl(fixed);
    const complete = (callbackUrl: string, pending: PendingAuthorization) =>
      completeAuthorization({ ...flow, callbackUrl, pending, store, redactor: loaded.redactor });

    let token: OAuth2Token;
    if (loopback) {
      const callback = await listenForCallback(loopback, fixed === undefined ? args.port : undefined);
      server = callback.server;
      const pending = await startAuthorization({ ...flow, redirectUri: callback.redirectUri });
      announce(pending, say, args);
      token = await callback.handle((url) => complete(url, pending));
    } else {
      const pending = await startAuthorization({ ...flow, redirectUri: fixed! });
      announce(pending, say, args);
      say('After approving, paste the address your browser was redirected to (it starts with the redirect URI):\n');
      token = await complete(await readPastedUrl(ctx.stdin ?? process.stdin, fixed!), pending);
    }

    const expiresIn = token.expires_at === null ? null : Math.round((Date.parse(token.expires_at) - Date.now()) / 1000);
    if (ctx.json) ctx.stdout.write(JSON.stringify({ ok: true, connection: args.name, expires_in: expiresIn }) + '\n');
    else ctx.stdout.write(`connected: ${args.name} (${expiresIn === null ? 'the provider stated no expiry' : `token expires in ${duration(expiresIn)}`})\n`);
    return ExitCode.ok;
  } catch (e) {
    return reportError(e, ctx, mask);
  } finally {
    if (server) await closeServer(server);
    await store.close();
  }
}

function announce(pending: PendingAuthorization, say: (text: string) => void, args: ConnectArgs): void {
  say(`Open this URL in a browser to authorize "${args.name}":\n\n  ${pending.url}\n\n`);
  if (args.browser && openBrowser(pending.url)) say('(a browser was opened)\n');
  say(`Waiting for the provider to redirect to ${pending.redirectUri} ...\n`);
}

/** The redirect URI as a URL when it points at this machine over http (we can listen on it), else undefined. */
function loopbackUrl(uri: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new Error(`the redirect URI "${uri}" is not a URL`);
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return local && url.protocol === 'http:' ? url : undefined;
}

interface CallbackListener {
  server: Server;
  /** The redirect URI to send, with the port actually bound. */
  redirectUri: string;
  /** Waits for the first callback, completes it with `complete`, and answers the browser with the outcome. */
  handle(complete: (callbackUrl: string) => Promise<OAuth2Token>): Promise<OAuth2Token>;
}

/** Listens on the redirect URI's host and port, answering only its path. */
async function listenForCallback(redirect: URL, port: number | undefined): Promise<CallbackListener> {
  let onCallback: ((url: string, answer: (status: number, text: string) => void) => void) | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirect);
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`<!doctype html><meta charset="utf-8"><title>Sluice</title><p>${escapeHtml(text)}</p>`);
    };
    if (req.method !== 'GET' || url.pathname !== redirect.pathname) return answer(404, 'Not the OAuth callback.');
    if (!onCallback) return answer(409, 'This authorization was already handled; run sluice connect again if needed.');
    const handler = onCallback;
    onCallback = undefined;
    handler(url.href, answer);
  });
  const host = redirect.hostname === 'localhost' ? 'localhost' : redirect.hostname.replace(/^\[|\]$/g, '');
  const listenPort = port ?? (redirect.port ? Number(redirect.port) : 80);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${listenPort} is in use: pass --port to choose another (and register that redirect URI)`) : e),
    );
    server.listen(listenPort, host, resolve);
  });
  const bound = new URL(redirect.href);
  bound.port = String((server.address() as AddressInfo).port);
  return {
    server,
    redirectUri: bound.href,
    handle: (complete) =>
      new Promise<OAuth2Token>((resolve, reject) => {
        const timer = setTimeout(() => {
          onCallback = undefined;
          reject(new Error('no callback arrived within 5 minutes: run sluice connect again'));
        }, callbackTimeoutMs);
        onCallback = (url, answer) => {
          clearTimeout(timer);
          complete(url).then(
            (token) => {
              answer(200, 'Connected. You can close this tab and return to the terminal.');
              resolve(token);
            },
            (e: unknown) => {
              answer(400, `The connection failed: ${e instanceof Error ? e.message : String(e)}`);
              reject(e);
            },
          );
        };
      }),
  };
}

/** Reads lines until one is a URL (the address the browser was redirected to). */
async function readPastedUrl(input: NodeJS.ReadableStream, redirectUri: string): Promise<string> {
  const lines = createInterface({ input, terminal: false });
  try {
    for await (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(line) || line.startsWith('?')) return line.startsWith('?') ? redirectUri + line : line;
      throw new Error(`"${line}" is not a URL: paste the whole address the browser was redirected to`);
    }
  } finally {
    lines.close();
  }
  throw new Error('no redirected URL was pasted: run sluice connect again');
}

/** Opens the URL with the desktop's opener when there is a display; false when none was started. */
function openBrowser(url: string): boolean {
  const [command, ...args] =
    process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(command!, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined); // no opener installed: the printed URL is enough
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function duration(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds >= 7200 || (seconds >= 3600 && seconds % 3600 === 0)) return plural(Math.round(seconds / 3600), 'hour');
  if (seconds >= 120) return plural(Math.round(seconds / 60), 'minute');
  return plural(Math.max(seconds, 0), 'second');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
