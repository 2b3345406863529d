import { bearerToken } from '../bearer-token.js';
import { RateBudget } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A channel of the simulated workspace. */
export interface SlackChannel {
  id: string;
  name: string;
  archived?: boolean;
  /** Whether the bot is a member (chat.postMessage answers not_in_channel when false). */
  member?: boolean;
}

/** A message the workspace received, through an incoming webhook or chat.postMessage. */
export interface SlackMessage {
  via: 'webhook' | 'api';
  channel: string;
  ts: string;
  text: string | null;
  blocks?: unknown;
  attachments?: unknown;
  thread_ts?: string;
  /** The payload as sent. */
  payload: Record<string, unknown>;
}

export interface SlackSandboxOptions extends SandboxServerOptions {
  /** The bot token accepted by the Web API (default `xoxb-sandbox-token`). */
  botToken?: string;
  validateToken?: (token: string) => boolean;
  channels?: SlackChannel[];
  /** Incoming-webhook paths (`/services/T../B../X..`) that were revoked: they answer 404 no_service. */
  revokedWebhooks?: string[];
  /** Messages per second per channel (chat.postMessage) and per webhook (defaults 20: generous, so tests run fast; Slack allows about 1). */
  rateLimit?: { perSecond?: number };
}

export interface SlackSandboxState {
  messages: SlackMessage[];
}

export type SlackSandbox = SandboxHandle & { state: SlackSandboxState };

const defaultChannels: SlackChannel[] = [
  { id: 'C0000000001', name: 'general' },
  { id: 'C0000000002', name: 'random' },
  { id: 'C0000000003', name: 'old-news', archived: true },
  { id: 'C0000000004', name: 'private-team', member: false },
];
const webhookPath = /^\/services\/(T[A-Z0-9]+)\/(B[A-Z0-9]+)\/([A-Za-z0-9]+)$/;

/** Starts a Slack simulator: incoming webhooks (plain-text answers) and the Web API's chat.postMessage (HTTP 200 ok:false errors). */
export async function startSlackSandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const botToken = options.botToken ?? 'xoxb-sandbox-token';
  const channels = options.channels ?? defaultChannels;
  const revoked = new Set(options.revokedWebhooks ?? []);
  let limit = options.rateLimit?.perSecond ?? 20;
  let windowMs = 1000;
  // A budget spent by a fault holds for channels and webhooks first seen within the same window.
  let spent: { remaining: number; until: number } | undefined;
  const budgets = new Map<string, RateBudget>();
  const state: SlackSandboxState = { messages: [] };
  let counter = 0;
  let tokensExpired = false;

  const budgetOf = (key: string) => {
    let b = budgets.get(key);
    if (!b) {
      budgets.set(key, (b = new RateBudget(limit, windowMs)));
      if (spent && spent.until > Date.now()) b.configure({ remaining: spent.remaining });
    }
    return b;
  };
  const channelOf = (ref: string) => {
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    return channels.find((c) => c.id === ref || c.name === name);
  };
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;
  const hasContent = (p: Record<string, unknown>) =>
    (typeof p.text === 'string' && p.text.trim() !== '') || (Array.isArray(p.blocks) && p.blocks.length > 0) || (Array.isArray(p.attachments) && p.attachments.length > 0);

  const webhook = (req: SandboxRequest): SandboxResponse => {
    const text = (status: number, body: string, headers?: Record<string, string>): SandboxResponse => ({ status, text: body, headers });
    if (!webhookPath.test(req.path) || revoked.has(req.path)) return text(404, 'no_service');
    if (req.method !== 'POST') return text(405, 'invalid_method');
    let raw = req.body;
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) raw = new URLSearchParams(req.body).get('payload') ?? '';
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return text(400, 'invalid_payload');
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return text(400, 'invalid_payload');
    const p = payload as Record<string, unknown>;
    if (!hasContent(p)) return text(400, 'no_text');
    let channel = channels[0]!;
    if (typeof p.channel === 'string') {
      const c = channelOf(p.channel);
      if (!c) return text(404, 'channel_not_found');
      channel = c;
    }
    if (channel.archived) return text(410, 'channel_is_archived');
    const b = budgetOf(req.path).take();
    if (!b.allowed) return text(429, 'rate_limited', { 'Retry-After': String(Math.max(1, Math.ceil(b.resetInMs / 1000))) });
    state.messages.push({ via: 'webhook', channel: channel.id, ts: nextTs(), text: typeof p.text === 'string' ? p.text : null, ...(p.blocks ? { blocks: p.blocks } : {}), ...(p.attachments ? { attachments: p.attachments } : {}), payload: p });
    return text(200, 'ok');
  };

  const webApi = (req: SandboxRequest, method: string): SandboxResponse => {
    const fail = (error: string, extra: Record<string, unknown> = {}): SandboxResponse => ({ status: 200, json: { ok: false, error, ...extra } });
    if (req.method !== 'POST' && req.method !== 'GET') return fail('invalid_method');
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    let params: Record<string, unknown> = Object.fromEntries(req.query);
    const warnings: string[] = [];
    if (type.startsWith('application/json')) {
      try {
        const parsed = JSON.parse(req.body);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('invalid_json');
        params = { ...params, ...parsed };
      } catch {
        return fail('invalid_json');
      }
      if (!type.includes('charset')) warnings.push('missing_charset');
    } else if (req.body !== '') {
      params = { ...params, ...Object.fromEntries(new URLSearchParams(req.body)) };
      for (const key of ['blocks', 'attachments']) {
        if (typeof params[key] === 'string') {
          try {
            params[key] = JSON.parse(params[key] as string);
          } catch {
            return fail(`invalid_${key}`);
          }
        }
      }
    }
    const token = bearerToken(req.headers) ?? (typeof params.token === 'string' ? params.token : undefined);
    if (token === undefined) return fail('not_authed');
    if (token !== botToken && options.validateToken?.(token) !== true) return fail('invalid_auth');
    if (tokensExpired) return fail('token_expired');
    const meta = warnings.length > 0 ? { warning: warnings.join(','), response_metadata: { warnings } } : {};
    if (method === 'auth.test') {
      return { status: 200, json: { ok: true, url: `${req.origin}/`, team: 'Sandbox', user: 'sluice-bot', team_id: 'T0SANDBOX', user_id: 'U0SANDBOX', bot_id: 'B0SANDBOX', ...meta } };
    }
    if (method !== 'chat.postMessage') return fail('unknown_method');
    if (typeof params.channel !== 'string' || params.channel === '') return fail('channel_not_found', meta);
    const channel = channelOf(params.channel);
    if (!channel) return fail('channel_not_found', meta);
    if (channel.archived) return fail('is_archived', meta);
    if (channel.member === false) return fail('not_in_channel', meta);
    if (!hasContent(params)) return fail('no_text', meta);
    if (typeof params.text === 'string' && params.text.length > 40_000) return fail('msg_too_long', meta);
    const b = budgetOf(channel.id).take();
    if (!b.allowed) return { status: 429, headers: { 'Retry-After': String(Math.max(1, Math.ceil(b.resetInMs / 1000))) }, json: { ok: false, error: 'ratelimited' } };
    const ts = nextTs();
    const message = {
      type: 'message',
      text: typeof params.text === 'string' ? params.text : '',
      user: 'U0SANDBOX',
      bot_id: 'B0SANDBOX',
      team: 'T0SANDBOX',
      ts,
      ...(params.blocks ? { blocks: params.blocks } : {}),
      ...(typeof params.thread_ts === 'string' ? { thread_ts: params.thread_ts } : {}),
    };
    const { token: _t, ...payload } = params;
    state.messages.push({
      via: 'api',
      channel: channel.id,
      ts,
      text: typeof params.text === 'string' ? params.text : null,
      ...(params.blocks ? { blocks: params.blocks } : {}),
      ...(params.attachments ? { attachments: params.attachments } : {}),
      ...(typeof params.thread_ts === 'string' ? { thread_ts: params.thread_ts } : {}),
      payload,
    });
    return { status: 200, json: { ok: true, channel: channel.id, ts, message, ...meta } };
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (req.path.startsWith('/services/')) return webhook(req);
    const m = /^\/api\/([A-Za-z.]+)$/.exec(req.path);
    if (m) return webApi(req, m[1]!);
    return { status: 404, text: 'not_found' };
  };

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ messages: state.messages }),
      reset() {
        state.messages = [];
        budgets.clear();
        limit = options.rateLimit?.perSecond ?? 20;
        windowMs = 1000;
        spent = undefined;
        counter = 0;
        tokensExpired = false;
      },
      faultResponse: (status) =>
        status === 429
          ? { status, headers: { 'Retry-After': '1' }, json: { ok: false, error: 'ratelimited' } }
          : { status, text: status >= 500 ? 'rollup_error' : 'invalid_payload' },
      rateLimit(setting) {
        limit = setting.limit ?? limit;
        windowMs = setting.window_ms ?? windowMs;
        for (const b of budgets.values()) b.configure(setting);
        if (setting.remaining !== undefined) spent = { remaining: setting.remaining, until: Date.now() + windowMs };
      },
      expireTokens() {
        tokensExpired = true;
      },
    },
    options,
  );
  return Object.assign(server, { state });
}
