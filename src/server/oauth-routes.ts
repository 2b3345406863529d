import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { credentialUrlProblem } from '../config/credential-url.js';
import { connectionAuthorization, type AuthorizationRefusal } from '../connectors/auth/connection-authorization.js';
import { completeAuthorization, startAuthorization } from '../connectors/auth/oauth2-authorization.js';
import { findEntry } from './find-entry.js';
import { HttpError } from './http-error.js';
import { parseInput } from './parse-input.js';
import type { ServerContext } from './server-context.js';

/** How long a started authorization waits for its callback. */
const pendingMs = 15 * 60_000;

const nameParams = z.object({ name: z.string() });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The small page the browser lands on after the provider's redirect. */
function resultPage(title: string, message: string, connection?: string): string {
  const back = connection ? `/connections/${encodeURIComponent(connection)}` : '/';
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sluice</title>',
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style></head><body>',
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`,
    `<p><a href="${escapeHtml(back)}">Back to Sluice</a></p></body></html>`,
  ].join('');
}

/** Why the connection cannot be authorized, as the 400 a browser user reads. */
function refusal(name: string, why: AuthorizationRefusal): string {
  switch (why.refused) {
    case 'unknown_connection': // the route answers 404 before asking
      return `no connection named "${name}"`;
    case 'not_http':
      return `connection "${name}" is a ${why.type} connection: only HTTP connections use OAuth`;
    case 'no_oauth2':
      return `connection "${name}": its connector ${why.connector} has no oauth2 auth, there is nothing to authorize`;
    case 'not_oauth2_auth':
      return `connection "${name}" needs auth: { type: oauth2, client_id, client_secret } to authorize (it has type ${why.authType})`;
  }
}

/** The OAuth authorization-code flow from the browser: start it (`POST .../authorize`) and catch the callback. */
export const oauthRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post('/api/connections/:name/authorize', async (request, reply) => {
    const { name } = parseInput(nameParams, request.params, 'params');
    const loaded = await ctx.load();
    findEntry(loaded.project.connections, name, 'connection');
    const authorization = connectionAuthorization(loaded, name);
    if ('refused' in authorization) throw new HttpError(400, refusal(name, authorization));
    const { flow, connector } = authorization;
    // The redirect URI registered at the provider: the connection's, else this server's own callback (the Host
    // header was checked against the names this server answers to).
    const origin = ctx.publicUrl ? new URL(ctx.publicUrl).origin : `${request.protocol}://${request.host}`;
    const redirectUri = authorization.redirectUri ?? `${origin}/oauth/callback`;
    const pending = await startAuthorization({ ...flow, redirectUri });
    // The browser will navigate there: only an https address (http for loopback and listed hosts) is handed out.
    const urlProblem = credentialUrlProblem(pending.url, ctx.env);
    if (urlProblem) throw new HttpError(400, `connection "${name}": the authorization URL of connector ${connector} is refused: ${urlProblem}`);
    const now = Date.now();
    for (const [state, p] of ctx.pendingOAuth) if (p.expiresAt < now) ctx.pendingOAuth.delete(state);
    ctx.pendingOAuth.set(pending.state, { connection: name, flow, pending, expiresAt: now + pendingMs });
    // client_id is public (RFC 6749 puts it in this URL): the masking net leaves it, and the client secret is never here.
    return reply.send({ url: pending.url, redirectUri });
  });

  app.get('/oauth/callback', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const waiting = query.state ? ctx.pendingOAuth.get(query.state) : undefined;
    reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store');
    if (!waiting || waiting.expiresAt < Date.now()) {
      const message = 'This authorization is unknown or has expired (or was already completed). Start it again from the connection page.';
      return reply.code(400).send(resultPage('Authorization not completed', message));
    }
    ctx.pendingOAuth.delete(query.state!);
    try {
      await completeAuthorization({ ...waiting.flow, callbackUrl: request.url, pending: waiting.pending, store: ctx.store, redactor: ctx.redactor() });
      return reply.send(resultPage(`Connected ${waiting.connection}`, 'The tokens are stored (encrypted). You can close this tab.', waiting.connection));
    } catch (e) {
      const message = ctx.redactor().mask(e instanceof Error ? e.message : String(e));
      return reply.code(400).send(resultPage(`Could not connect ${waiting.connection}`, message, waiting.connection));
    }
  });
};
