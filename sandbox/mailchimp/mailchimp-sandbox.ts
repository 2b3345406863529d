import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { RateBudget } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';
import { batchResultsArchive, type BatchOperationResult } from './batch-results-archive.js';
import { startObjectStore, type ObjectStore } from './object-store.js';

/** A stored list member, as the Marketing API returns it (abridged). */
export interface MailchimpMember {
  id: string;
  email_address: string;
  unique_email_id: string;
  contact_id: string;
  full_name: string;
  web_id: number;
  email_type: 'html' | 'text';
  status: MemberStatus;
  merge_fields: Record<string, string | number>;
  tags: { id: number; name: string }[];
  list_id: string;
  timestamp_signup: string;
  last_changed: string;
}

type MemberStatus = 'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional';

export interface MailchimpSandboxOptions extends SandboxServerOptions {
  /** The account's API key (default "sandbox-key-us6"); any Basic user name is accepted with it as the password. */
  apiKey?: string;
  /** The audience served (default "sandbox-list"). */
  listId?: string;
  /** Merge fields of the audience by tag, and whether each is required (default FNAME, LNAME, optional). */
  mergeFields?: Record<string, { required?: boolean; type?: 'text' | 'number' }>;
  /** Requests a second before 429 (default 100; Mailchimp's real limit is 10 simultaneous connections). */
  requestsPerSecond?: number;
  /** Members present from the start (and after a reset). */
  seed?: { members?: Record<string, unknown>[] };
}

/** A batch of operations (`POST /batches`): pending, then started, then finished with its results archived. */
export interface MailchimpBatch {
  id: string;
  status: 'pending' | 'started' | 'finished';
  operations: { method: string; path: string; params?: Record<string, string>; body?: string; operation_id?: string }[];
  submitted_at: string;
  completed_at: string;
  response_body_url: string;
  errored_operations: number;
}

export interface MailchimpSandboxState {
  members: MailchimpMember[];
  batches: Map<string, MailchimpBatch>;
}

/** The simulator, with the object store (S3's stand-in, another origin) its batch results are served from. */
export type MailchimpSandbox = SandboxHandle & { state: MailchimpSandboxState; objectStore: ObjectStore };

const statuses = new Set<MemberStatus>(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']);
const emailPattern = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;
const MAX_BATCH = 500;
const MAX_COUNT = 1000;
const ERROR_DOC = 'https://mailchimp.com/developer/marketing/docs/errors/';

/** The subscriber hash: the MD5 of the lower-cased email address. */
export const subscriberHash = (email: string): string => createHash('md5').update(email.toLowerCase()).digest('hex');

/** Mailchimp's problem+json error (RFC 7807): `{"type","title","status","detail","instance"}`, plus field errors. */
const problem = (status: number, title: string, detail: string, errors?: { field: string; message: string }[]): SandboxResponse => ({
  status,
  headers: { 'Content-Type': 'application/problem+json; charset=utf-8' },
  json: { type: ERROR_DOC, title, status, detail, instance: randomUUID(), ...(errors ? { errors } : {}) },
});

class Refused extends Error {
  constructor(readonly response: SandboxResponse, readonly code = 'ERROR_GENERIC') {
    super(String((response.json as { detail?: string }).detail ?? 'refused'));
  }
}

/** Starts a Mailchimp Marketing API 3.0 simulator for one audience: members upsert by subscriber hash, batch subscribe, lists. */
export async function startMailchimpSandbox(options: MailchimpSandboxOptions = {}): Promise<MailchimpSandbox> {
  const apiKey = options.apiKey ?? 'sandbox-key-us6';
  const listId = options.listId ?? 'sandbox-list';
  const mergeFields = options.mergeFields ?? { FNAME: {}, LNAME: {} };
  const budget = new RateBudget(options.requestsPerSecond ?? 100, 1000);
  const state: MailchimpSandboxState = { members: [], batches: new Map() };
  const objectStore = await startObjectStore();
  let webId = 100_000;

  const byHash = (hash: string) => state.members.find((m) => m.id === hash);
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');

  const invalid = (errors: { field: string; message: string }[]) =>
    new Refused(problem(400, 'Invalid Resource', "The resource submitted could not be validated. For field-specific details, see the 'errors' array.", errors));

  /** Checks a member body; `creating` says the member is new (status_if_new or status needed). */
  const checkBody = (raw: unknown, creating: boolean): Partial<MailchimpMember> & { email_address?: string } => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid([{ field: '', message: 'Schema describes object, NULL found instead' }]);
    const body = raw as Record<string, unknown>;
    const out: Partial<MailchimpMember> & { email_address?: string } = {};
    if (body.email_address !== undefined) {
      const email = String(body.email_address).trim();
      if (!emailPattern.test(email)) throw new Refused(problem(400, 'Invalid Resource', `${email} looks fake or invalid, please enter a real email address.`));
      out.email_address = email;
    }
    const status = creating ? (body.status_if_new ?? body.status) : (body.status ?? undefined);
    if (status !== undefined) {
      if (!statuses.has(status as MemberStatus)) throw invalid([{ field: creating && body.status_if_new !== undefined ? 'status_if_new' : 'status', message: `Data presented is not one of the accepted values: ${[...statuses].join(', ')}.` }]);
      out.status = status as MemberStatus;
    } else if (creating) {
      throw invalid([{ field: 'status', message: 'Schema describes enum, NULL found instead' }]);
    }
    if (body.email_type !== undefined) {
      if (body.email_type !== 'html' && body.email_type !== 'text') throw invalid([{ field: 'email_type', message: 'Data presented is not one of the accepted values: html, text.' }]);
      out.email_type = body.email_type;
    }
    if (body.merge_fields !== undefined) {
      const mf = body.merge_fields;
      if (mf === null || typeof mf !== 'object' || Array.isArray(mf)) throw invalid([{ field: 'merge_fields', message: 'Schema describes object, NULL found instead' }]);
      const values: Record<string, string | number> = {};
      for (const [tag, value] of Object.entries(mf as Record<string, unknown>)) {
        const field = mergeFields[tag];
        if (!field) throw new Refused(problem(400, 'Invalid Resource', `Your merge fields were invalid. Merge field "${tag}" does not exist.`));
        if (field.type === 'number' && value !== '' && Number.isNaN(Number(value))) throw new Refused(problem(400, 'Invalid Resource', `Your merge fields were invalid. Please enter a number for ${tag}.`));
        values[tag] = value === null || value === undefined ? '' : field.type === 'number' && value !== '' ? Number(value) : String(value);
      }
      out.merge_fields = values;
    }
    if (creating) {
      const missing = Object.entries(mergeFields).find(([tag, f]) => f.required && !(out.merge_fields?.[tag] ?? '') );
      if (missing) throw new Refused(problem(400, 'Invalid Resource', `Your merge fields were invalid. Please enter a value for ${missing[0]}.`));
    }
    return out;
  };

  const create = (email: string, fields: Partial<MailchimpMember>): MailchimpMember => {
    const at = now();
    const merge = { ...Object.fromEntries(Object.keys(mergeFields).map((t) => [t, ''])), ...fields.merge_fields };
    const member: MailchimpMember = {
      id: subscriberHash(email),
      email_address: email,
      unique_email_id: randomBytes(5).toString('hex'),
      contact_id: randomBytes(16).toString('hex'),
      full_name: [merge.FNAME, merge.LNAME].filter((v) => v !== undefined && v !== '').join(' '),
      web_id: webId++,
      email_type: fields.email_type ?? 'html',
      status: fields.status ?? 'subscribed',
      merge_fields: merge,
      tags: [],
      list_id: listId,
      timestamp_signup: at,
      last_changed: at,
    };
    state.members.push(member);
    return member;
  };

  const change = (member: MailchimpMember, fields: Partial<MailchimpMember>) => {
    if (fields.status) member.status = fields.status;
    if (fields.email_type) member.email_type = fields.email_type;
    if (fields.merge_fields) Object.assign(member.merge_fields, fields.merge_fields);
    member.full_name = [member.merge_fields.FNAME, member.merge_fields.LNAME].filter((v) => v !== undefined && v !== '').join(' ');
    member.last_changed = now();
  };

  const parse = (req: SandboxRequest): unknown => {
    try {
      return JSON.parse(req.body) as unknown;
    } catch {
      throw new Refused(problem(400, 'JSON Schema Error', 'We encountered an unspecified JSON parsing error.'));
    }
  };

  /** `PUT /lists/{id}/members/{hash}`: add or update by subscriber hash. */
  const putMember = (req: SandboxRequest, hash: string): SandboxResponse => {
    const body = parse(req) as Record<string, unknown> | null;
    const existing = byHash(hash);
    const email = typeof body?.email_address === 'string' ? body.email_address.trim() : undefined;
    if (email === undefined && !existing) throw invalid([{ field: 'email_address', message: 'This value should not be blank.' }]);
    if (email !== undefined && subscriberHash(email) !== hash) {
      throw new Refused(problem(400, 'Invalid Resource', 'The subscriber hash you provided does not match the email address in the request body.'));
    }
    const fields = checkBody(body, !existing);
    if (existing) {
      change(existing, fields);
      return { status: 200, json: existing };
    }
    return { status: 200, json: create(email!, fields) };
  };

  /** `POST /lists/{id}`: batch subscribe or update, up to 500 members, each with its own outcome. */
  const batchSubscribe = (req: SandboxRequest): SandboxResponse => {
    const body = parse(req) as { members?: unknown; update_existing?: unknown } | null;
    if (!Array.isArray(body?.members)) throw invalid([{ field: 'members', message: 'Schema describes array, NULL found instead' }]);
    if (body.members.length > MAX_BATCH) throw invalid([{ field: 'members', message: `There can be at most ${MAX_BATCH} items in the array` }]);
    const updateExisting = body.update_existing === true;
    const created: MailchimpMember[] = [];
    const updated: MailchimpMember[] = [];
    const errors: { email_address: string; error: string; error_code: string; field: string; field_message: string }[] = [];
    for (const raw of body.members) {
      const email = typeof (raw as { email_address?: unknown })?.email_address === 'string' ? ((raw as { email_address: string }).email_address).trim() : '';
      try {
        if (email === '') throw invalid([{ field: 'email_address', message: 'This value should not be blank.' }]);
        const existing = byHash(subscriberHash(email));
        if (existing && !updateExisting) throw new Refused(problem(400, 'Member Exists', `${email} is already a list member. Use PUT to insert or update list members.`), 'ERROR_CONTACT_EXISTS');
        const fields = checkBody(raw, !existing);
        if (existing) {
          change(existing, fields);
          updated.push(existing);
        } else {
          created.push(create(email, fields));
        }
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        const first = (e.response.json as { errors?: { field: string; message: string }[] }).errors?.[0];
        errors.push({ email_address: email, error: e.message, error_code: e.code, field: first?.field ?? '', field_message: first?.message ?? '' });
      }
    }
    return {
      status: 200,
      json: { new_members: created, updated_members: updated, errors, total_created: created.length, total_updated: updated.length, error_count: errors.length, _links: [] },
    };
  };

  const listMembers = (req: SandboxRequest): SandboxResponse => {
    const count = req.query.get('count') === null ? 10 : Number(req.query.get('count'));
    const offset = req.query.get('offset') === null ? 0 : Number(req.query.get('offset'));
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw invalid([{ field: 'count', message: `count must be between 1 and ${MAX_COUNT}` }]);
    if (!Number.isInteger(offset) || offset < 0) throw invalid([{ field: 'offset', message: 'offset must be 0 or more' }]);
    let list = state.members;
    const since = req.query.get('since_last_changed');
    if (since !== null) {
      const t = Date.parse(since);
      if (Number.isNaN(t)) throw invalid([{ field: 'since_last_changed', message: 'This value is not a valid datetime.' }]);
      list = list.filter((m) => Date.parse(m.last_changed) >= t);
    }
    const status = req.query.get('status');
    if (status !== null) list = list.filter((m) => m.status === status);
    return { status: 200, json: { members: list.slice(offset, offset + count), list_id: listId, total_items: list.length, _links: [] } };
  };

  /** A batch as `GET /batches/{id}` shows it. */
  const batchView = (b: MailchimpBatch) => ({
    id: b.id,
    status: b.status,
    total_operations: b.operations.length,
    finished_operations: b.status === 'finished' ? b.operations.length : 0,
    errored_operations: b.errored_operations,
    submitted_at: b.submitted_at,
    completed_at: b.completed_at,
    response_body_url: b.response_body_url,
    _links: [],
  });

  /** `POST /batches`: operations checked (method, path, body as a JSON string), the batch queued as pending. */
  const createBatch = (req: SandboxRequest): SandboxResponse => {
    const body = parse(req) as { operations?: unknown } | null;
    if (!Array.isArray(body?.operations)) throw invalid([{ field: 'operations', message: 'Schema describes array, NULL found instead' }]);
    const operations: MailchimpBatch['operations'] = body.operations.map((raw, i) => {
      const op = (raw ?? {}) as Record<string, unknown>;
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(String(op.method))) throw invalid([{ field: `operations.item:${i}.method`, message: 'Data presented is not one of the accepted values: GET, POST, PUT, PATCH, DELETE.' }]);
      if (typeof op.path !== 'string' || !op.path.startsWith('/')) throw invalid([{ field: `operations.item:${i}.path`, message: 'This value should not be blank.' }]);
      if (op.body !== undefined && typeof op.body !== 'string') throw invalid([{ field: `operations.item:${i}.body`, message: `Schema describes string, ${Array.isArray(op.body) ? 'array' : typeof op.body} found instead` }]);
      return { method: String(op.method), path: op.path, body: op.body as string | undefined, operation_id: op.operation_id === undefined ? undefined : String(op.operation_id), params: op.params as Record<string, string> | undefined };
    });
    const id = randomBytes(5).toString('hex');
    const batch: MailchimpBatch = { id, status: 'pending', operations, submitted_at: now(), completed_at: '', response_body_url: '', errored_operations: 0 };
    state.batches.set(id, batch);
    return { status: 200, json: batchView(batch) };
  };

  /** Each poll moves a batch on: pending, started, then finished (its operations run, their results archived on S3). */
  const pollBatch = (id: string, origin: string): SandboxResponse => {
    const batch = state.batches.get(id);
    if (!batch) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    if (batch.status === 'pending') batch.status = 'started';
    else if (batch.status === 'started') {
      const results: BatchOperationResult[] = batch.operations.map((op) => {
        let answer: SandboxResponse;
        try {
          answer = api({ method: op.method, path: `/3.0${op.path}`, query: new URLSearchParams(op.params ?? {}), headers: {}, body: op.body ?? '', origin });
        } catch (e) {
          if (!(e instanceof Refused)) throw e;
          answer = e.response;
        }
        return { status_code: answer.status, operation_id: op.operation_id ?? null, response: answer.json === undefined ? '' : JSON.stringify(answer.json) };
      });
      batch.errored_operations = results.filter((r) => r.status_code >= 400).length;
      batch.response_body_url = objectStore.put(`${batch.id}.tar.gz`, batchResultsArchive(batch.id, results), 'application/x-gzip');
      batch.completed_at = now();
      batch.status = 'finished';
    }
    return { status: 200, json: batchView(batch) };
  };

  const api = (req: SandboxRequest): SandboxResponse => {
    const { method } = req;
    const path = req.path.replace(/\/$/, '');
    if (path === '/3.0/ping' && method === 'GET') return { status: 200, json: { health_status: "Everything's Chimpy!" } };
    if (path === '/3.0/batches' && method === 'POST') return createBatch(req);
    const batchPath = /^\/3\.0\/batches\/([^/]+)$/.exec(path);
    if (batchPath && method === 'GET') return pollBatch(decodeURIComponent(batchPath[1]!), req.origin);
    const list = /^\/3\.0\/lists\/([^/]+)(\/members(?:\/([^/]+))?)?$/.exec(path);
    if (!list) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    if (decodeURIComponent(list[1]!) !== listId) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
    if (!list[2] && method === 'POST') return batchSubscribe(req);
    if (list[2] && !list[3] && method === 'GET') return listMembers(req);
    if (list[3]) {
      const hash = decodeURIComponent(list[3]).toLowerCase();
      if (method === 'PUT') return putMember(req, hash);
      const member = byHash(hash);
      if (!member) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
      if (method === 'GET') return { status: 200, json: member };
      if (method === 'PATCH') {
        change(member, checkBody(parse(req), false));
        return { status: 200, json: member };
      }
      if (method === 'DELETE') {
        // Archiving: the member leaves the audience's counts; its hash answers 404 afterwards.
        state.members = state.members.filter((m) => m !== member);
        return { status: 204 };
      }
    }
    return problem(405, 'Method Not Allowed', 'The requested method and resource are not compatible. See the Allow header for this resource\'s available methods.');
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    // HTTP Basic with any user name and the API key as the password (or a bearer OAuth token equal to it).
    const header = req.headers.authorization ?? '';
    let key: string | undefined;
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      key = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : undefined;
    } else {
      key = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header)?.[1];
    }
    if (key === undefined) return problem(401, 'API Key Missing', 'Your request did not include an API key.');
    if (key !== apiKey) return problem(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.");
    if (!budget.take().allowed) return problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.');
    try {
      return api(req);
    } catch (e) {
      if (e instanceof Refused) return e.response;
      throw e;
    }
  };

  const seed = (members: unknown[]) => {
    for (const raw of members) {
      const m = raw as { email_address?: string; status?: string; merge_fields?: Record<string, unknown> };
      try {
        if (!m?.email_address) throw new Error('a seed member needs email_address');
        create(m.email_address, checkBody({ status: 'subscribed', ...m }, true));
      } catch (e) {
        throw new Error(`seed: ${(e as Error).message}`);
      }
    }
  };
  const reset = () => {
    state.members = [];
    state.batches.clear();
    objectStore.clear();
    webId = 100_000;
    budget.reset();
    seed(options.seed?.members ?? []);
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ members: state.members }),
      reset,
      seed(data) {
        const members = (data as { members?: unknown }).members;
        if (!Array.isArray(members)) throw new Error('seed expects { "members": [ {"email_address": ...}, ... ] }');
        seed(members);
      },
      faultResponse: (status) =>
        status === 429
          ? problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.')
          : status >= 500
            ? problem(status, 'Internal Server Error', 'An unexpected internal error has occurred. Please contact Support for more information.')
            : problem(status, 'Bad Request', 'Your request could not be processed.'),
      rateLimit: (setting) => budget.configure(setting),
    },
    options,
  );
  const close = server.close;
  return Object.assign(server, { state, objectStore, close: async () => { await close(); await objectStore.close(); } });
}
