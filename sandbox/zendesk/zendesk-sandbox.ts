import { randomBytes } from 'node:crypto';
import { bearerToken } from '../bearer-token.js';
import { RateBudget, type RateBudgetState } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A stored user, as the Users API returns it (abridged). */
export interface ZendeskUser {
  id: number;
  url: string;
  name: string;
  email: string | null;
  external_id: string | null;
  role: 'end-user' | 'agent' | 'admin';
  phone: string | null;
  organization_id: number | null;
  tags: string[];
  user_fields: Record<string, string | number | boolean | null>;
  verified: boolean;
  active: boolean;
  created_at: string;
  updated_at: string;
}

/** A job of create_or_update_many: its users, and the polls it has answered. */
export interface ZendeskJob {
  id: string;
  users: unknown[];
  polls: number;
  results?: Record<string, unknown>[];
}

export interface ZendeskSandboxOptions extends SandboxServerOptions {
  /** The agent whose API token authenticates (`{email}/token` as the Basic user name; default agent@sandbox.example). */
  agentEmail?: string;
  /** API tokens accepted (default ["sandbox-zendesk-token"]); also accepted as OAuth bearer tokens. */
  apiTokens?: string[];
  /** Requests a minute (default 700, Enterprise). */
  requestsPerMinute?: number;
  /** Polls a job answers queued/working before it completes (default 1). */
  pollsBeforeDone?: number;
  /** Custom user fields by key (default: plan (text), score (integer)). */
  userFields?: Record<string, 'text' | 'integer' | 'checkbox'>;
  /** Users present from the start (and after a reset). */
  seed?: { users?: Record<string, unknown>[] };
}

export interface ZendeskSandboxState {
  users: ZendeskUser[];
  jobs: ZendeskJob[];
}

export type ZendeskSandbox = SandboxHandle & { state: ZendeskSandboxState };

const MAX_BULK = 100;
const MAX_PAGE = 100;
const MAX_QUEUED_JOBS = 30;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const roles = new Set(['end-user', 'agent', 'admin']);

/** Zendesk's error bodies: `{"error","description","details"}` (or the bare `{"error":"Couldn't authenticate you"}`). */
const zendeskError = (status: number, error: string, description?: string, details?: unknown, headers?: Record<string, string>): SandboxResponse => ({
  status,
  headers,
  json: { error, ...(description !== undefined ? { description } : {}), ...(details !== undefined ? { details } : {}) },
});

/** A user that cannot be written: the error code and the details a job result or a 422 carries. */
class UserInvalid extends Error {
  constructor(readonly code: string, readonly details: string, readonly field?: string) {
    super(details);
  }
}

/**
 * Starts a Zendesk Support API simulator: users create_or_update (synchronous), create_or_update_many as a job polled
 * at /job_statuses/{id} whose results say each user's outcome, cursor-paged user lists, rate limits with Retry-After.
 */
export async function startZendeskSandbox(options: ZendeskSandboxOptions = {}): Promise<ZendeskSandbox> {
  const agentEmail = options.agentEmail ?? 'agent@sandbox.example';
  const tokens = new Set(options.apiTokens ?? ['sandbox-zendesk-token']);
  const userFields = options.userFields ?? { plan: 'text', score: 'integer' };
  const budget = new RateBudget(options.requestsPerMinute ?? 700, 60_000);
  const pollsBeforeDone = options.pollsBeforeDone ?? 1;
  const state: ZendeskSandboxState = { users: [], jobs: [] };
  const cursors = new Map<string, number>();
  let nextId = 360_000_000_001;
  let origin = '';

  const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const byEmail = (email: string) => state.users.find((u) => u.email !== null && u.email.toLowerCase() === email.toLowerCase());
  const byExternal = (external: string) => state.users.find((u) => u.external_id === external);

  /** Validates one user payload; returns the fields it sets. */
  const check = (raw: unknown): Partial<ZendeskUser> => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new UserInvalid('InvalidValue', 'User: is not a JSON object');
    const u = raw as Record<string, unknown>;
    const out: Partial<ZendeskUser> = {};
    if (u.email !== undefined && u.email !== null) {
      const email = String(u.email).trim();
      if (!emailPattern.test(email)) throw new UserInvalid('InvalidFormat', `Email: ${email} is not properly formatted`, 'email');
      // Zendesk keeps email identities lower-cased.
      out.email = email.toLowerCase();
    }
    if (u.name !== undefined) out.name = String(u.name ?? '');
    if (u.external_id !== undefined) out.external_id = u.external_id === null ? null : String(u.external_id);
    if (u.phone !== undefined) out.phone = u.phone === null ? null : String(u.phone);
    if (u.role !== undefined) {
      if (!roles.has(String(u.role))) throw new UserInvalid('InvalidValue', `Role: is invalid (${String(u.role)})`, 'role');
      out.role = u.role as ZendeskUser['role'];
    }
    if (u.tags !== undefined) out.tags = Array.isArray(u.tags) ? u.tags.map(String) : String(u.tags).split(/[\s,]+/).filter((t) => t !== '');
    if (u.user_fields !== undefined) {
      const fields = u.user_fields;
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new UserInvalid('InvalidValue', 'User fields: must be an object', 'user_fields');
      const values: Record<string, string | number | boolean | null> = {};
      for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
        const type = userFields[key];
        if (!type) continue; // Zendesk drops unknown user field keys.
        if (type === 'integer' && value !== null && value !== '' && !Number.isInteger(Number(value))) throw new UserInvalid('InvalidValue', `${key}: is not a number`, `user_fields.${key}`);
        values[key] = value === null || value === '' ? null : type === 'integer' ? Number(value) : type === 'checkbox' ? value === true || value === 'true' : String(value);
      }
      out.user_fields = values;
    }
    return out;
  };

  /** Creates or updates by external_id, then email, as create_or_update does. */
  const upsert = (raw: unknown): { user: ZendeskUser; created: boolean } => {
    const fields = check(raw);
    const existing = (fields.external_id ? byExternal(fields.external_id) : undefined) ?? (fields.email ? byEmail(fields.email) : undefined);
    const at = stamp();
    if (existing) {
      if (fields.email && fields.email.toLowerCase() !== existing.email?.toLowerCase() && byEmail(fields.email)) {
        throw new UserInvalid('DuplicateValue', `Email: ${fields.email} is already being used by another user`, 'email');
      }
      Object.assign(existing, { ...fields, user_fields: { ...existing.user_fields, ...fields.user_fields }, updated_at: at });
      return { user: existing, created: false };
    }
    if (!fields.name) throw new UserInvalid('BlankValue', 'Name: cannot be blank', 'name');
    const id = nextId++;
    const user: ZendeskUser = {
      id,
      url: `${origin}/api/v2/users/${id}.json`,
      name: fields.name,
      email: fields.email ?? null,
      external_id: fields.external_id ?? null,
      role: fields.role ?? 'end-user',
      phone: fields.phone ?? null,
      organization_id: null,
      tags: fields.tags ?? [],
      user_fields: { ...Object.fromEntries(Object.keys(userFields).map((k) => [k, null])), ...fields.user_fields },
      verified: false,
      active: true,
      created_at: at,
      updated_at: at,
    };
    state.users.push(user);
    return { user, created: true };
  };

  const parse = (req: SandboxRequest): Record<string, unknown> => {
    try {
      const body = JSON.parse(req.body) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw Object.assign(new Error('unparseable'), { response: zendeskError(400, 'InvalidJSON', 'The request body is not valid JSON') });
  };

  const jobView = (job: ZendeskJob) => {
    const done = job.results !== undefined;
    const status = done ? 'completed' : job.polls === 0 ? 'queued' : 'working';
    return {
      job_status: {
        id: job.id,
        url: `${origin}/api/v2/job_statuses/${job.id}.json`,
        total: job.users.length,
        progress: done ? job.users.length : job.polls === 0 ? null : Math.floor(job.users.length / 2),
        status,
        message: done ? `Completed at ${stamp()}` : null,
        results: done ? job.results : null,
      },
    };
  };

  /** A job's work, done when its polls say so: one result per user, in the order sent, with its index. */
  const runJob = (job: ZendeskJob) => {
    job.results = job.users.map((raw, index) => {
      try {
        const { user, created } = upsert(raw);
        return { index, id: user.id, email: user.email, action: created ? 'create' : 'update', status: created ? 'Created' : 'Updated', success: true };
      } catch (e) {
        if (!(e instanceof UserInvalid)) throw e;
        const email = (raw as { email?: unknown } | null)?.email;
        return { index, ...(typeof email === 'string' ? { email } : {}), error: e.code, details: e.details, success: false };
      }
    });
  };

  const pageOf = (list: ZendeskUser[], req: SandboxRequest): SandboxResponse => {
    const size = req.query.get('page[size]') === null ? MAX_PAGE : Number(req.query.get('page[size]'));
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) return zendeskError(400, 'InvalidPaginationParameter', `page[size] must be between 1 and ${MAX_PAGE}`);
    const after = req.query.get('page[after]');
    let start = 0;
    if (after !== null) {
      const at = cursors.get(after);
      if (at === undefined) return zendeskError(400, 'InvalidPaginationParameter', 'page[after] is not a valid cursor');
      start = at;
    }
    const page = list.slice(start, start + size);
    const hasMore = start + size < list.length;
    const cursor = (position: number) => {
      const token = randomBytes(18).toString('base64url');
      cursors.set(token, position);
      return token;
    };
    const afterCursor = page.length > 0 ? cursor(start + page.length) : null;
    const beforeCursor = page.length > 0 ? cursor(Math.max(0, start - size)) : null;
    const link = (param: string, token: string | null) =>
      token === null ? null : `${origin}${req.path.replace(/\.json$/, '')}.json?${new URLSearchParams({ [param]: token, 'page[size]': String(size) }).toString()}`;
    return {
      status: 200,
      json: {
        users: page,
        meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
        links: { prev: start > 0 ? link('page[before]', beforeCursor) : null, next: hasMore ? link('page[after]', afterCursor) : null },
      },
    };
  };

  const api = (req: SandboxRequest): SandboxResponse => {
    const path = req.path.replace(/\.json$/, '');
    const { method } = req;
    if (path === '/api/v2/users/me' && method === 'GET') {
      return { status: 200, json: { user: { id: 360_000_000_000, url: `${origin}/api/v2/users/360000000000.json`, name: 'Sandbox Agent', email: agentEmail, role: 'admin', active: true, verified: true } } };
    }
    if (path === '/api/v2/users' && method === 'GET') return pageOf(state.users, req);
    if (path === '/api/v2/users/create_or_update' && method === 'POST') {
      const body = parse(req);
      try {
        const { user, created } = upsert(body.user);
        return { status: created ? 201 : 200, json: { user } };
      } catch (e) {
        if (!(e instanceof UserInvalid)) throw e;
        return zendeskError(422, 'RecordInvalid', 'Record validation errors', { [e.field ?? 'base']: [{ description: e.details, error: e.code }] });
      }
    }
    if (path === '/api/v2/users/create_or_update_many' && method === 'POST') {
      const body = parse(req);
      if (!Array.isArray(body.users)) return zendeskError(400, 'InvalidValue', 'users: parameter is required and must be an array');
      if (body.users.length > MAX_BULK) return zendeskError(400, 'InvalidValue', `Too many users: ${body.users.length}. The limit is ${MAX_BULK}`);
      const pending = state.jobs.filter((j) => j.results === undefined).length;
      if (pending >= MAX_QUEUED_JOBS) return zendeskError(429, 'TooManyJobs', `Number of allowed queued jobs (${MAX_QUEUED_JOBS}) exceeded`, undefined, { 'Retry-After': '10' });
      const job: ZendeskJob = { id: randomBytes(16).toString('hex'), users: body.users, polls: 0 };
      state.jobs.push(job);
      return { status: 200, json: jobView(job) };
    }
    const jobPath = /^\/api\/v2\/job_statuses\/([0-9a-f]+)$/.exec(path);
    if (jobPath && method === 'GET') {
      const job = state.jobs.find((j) => j.id === jobPath[1]);
      if (!job) return zendeskError(404, 'RecordNotFound', 'Not found');
      job.polls++;
      if (job.results === undefined && job.polls > pollsBeforeDone) runJob(job);
      return { status: 200, json: jobView(job) };
    }
    const one = /^\/api\/v2\/users\/(\d+)$/.exec(path);
    if (one && method === 'GET') {
      const user = state.users.find((u) => u.id === Number(one[1]));
      return user ? { status: 200, json: { user } } : zendeskError(404, 'RecordNotFound', 'Not found');
    }
    return zendeskError(404, 'InvalidEndpoint', 'Not found');
  };

  const limitHeaders = (b: RateBudgetState): Record<string, string> => ({
    'X-Rate-Limit': String(b.limit),
    'X-Rate-Limit-Remaining': String(b.remaining),
    'ratelimit-limit': String(b.limit),
    'ratelimit-remaining': String(b.remaining),
    'ratelimit-reset': String(Math.ceil(b.resetInMs / 1000)),
  });

  /** Basic `{email}/token:{api_token}`, or an OAuth bearer token. */
  const authenticated = (req: SandboxRequest): boolean => {
    const header = req.headers.authorization ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon > 0 && decoded.slice(0, colon).toLowerCase() === `${agentEmail}/token` && tokens.has(decoded.slice(colon + 1));
    }
    const token = bearerToken(req.headers);
    return token !== undefined && tokens.has(token);
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (!authenticated(req)) return zendeskError(401, "Couldn't authenticate you");
    const b = budget.take();
    if (!b.allowed) {
      return { ...zendeskError(429, 'APIRateLimitExceeded', 'Number of allowed API requests per minute exceeded'), headers: { ...limitHeaders(b), 'Retry-After': String(Math.max(1, Math.ceil(b.resetInMs / 1000))) } };
    }
    let answer: SandboxResponse;
    try {
      answer = api(req);
    } catch (e) {
      const response = (e as { response?: SandboxResponse }).response;
      if (!response) throw e;
      answer = response;
    }
    return { ...answer, headers: { ...answer.headers, ...limitHeaders(b) } };
  };

  const seed = (users: unknown[]) => {
    for (const u of users) {
      try {
        upsert(u);
      } catch (e) {
        throw new Error(`seed: ${(e as Error).message}`);
      }
    }
  };
  const reset = () => {
    state.users = [];
    state.jobs = [];
    cursors.clear();
    nextId = 360_000_000_001;
    budget.reset();
    seed(options.seed?.users ?? []);
  };

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ users: state.users, jobs: state.jobs.map((j) => ({ id: j.id, total: j.users.length, polls: j.polls, done: j.results !== undefined })) }),
      reset,
      seed(data) {
        const users = (data as { users?: unknown }).users;
        if (!Array.isArray(users)) throw new Error('seed expects { "users": [ {"name": ..., "email": ...}, ... ] }');
        seed(users);
      },
      faultResponse: (status) =>
        status === 429
          ? { ...zendeskError(429, 'APIRateLimitExceeded', 'Number of allowed API requests per minute exceeded'), headers: { 'Retry-After': '1' } }
          : status >= 500
            ? zendeskError(status, 'ServiceUnavailable', 'The service is temporarily unavailable')
            : zendeskError(status, 'InvalidValue', 'Bad request'),
      rateLimit: (setting) => budget.configure(setting),
    },
    options,
  );
  origin = server.url;
  reset();
  return Object.assign(server, { state });
}
