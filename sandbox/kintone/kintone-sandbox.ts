import { randomInt } from 'node:crypto';
import { RateBudget } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A field of the simulated app: its type, and the form's "required" and "prohibit duplicate values" settings. */
export interface KintoneField {
  type: 'SINGLE_LINE_TEXT' | 'MULTI_LINE_TEXT' | 'NUMBER' | 'DATE' | 'LINK';
  required?: boolean;
  unique?: boolean;
}

/** A stored record: field code → value (strings, as kintone stores them), with its id and revision. */
export interface KintoneRecord {
  id: string;
  revision: string;
  values: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface KintoneSandboxOptions extends SandboxServerOptions {
  /** The app id the API tokens belong to (default 1). */
  app?: number;
  /** The app's fields by code (default: code (unique, required), name, email, age (NUMBER), note). */
  fields?: Record<string, KintoneField>;
  /** Accepted `X-Cybozu-API-Token` values (default ["sandbox-api-token"]). */
  apiTokens?: string[];
  /** Requests a day (default 10,000, kintone's per-app figure). */
  dailyLimit?: number;
  /** Records present from the start (and after a reset): field code → value. */
  seed?: { records?: Record<string, unknown>[] };
}

export interface KintoneSandboxState {
  records: KintoneRecord[];
  /** Open cursors of the cursor API, by id. */
  cursors: Map<string, { ids: string[]; fields?: string[]; size: number }>;
  /** The `query` of each GET records request, oldest first (the last 1,000), for tests of how a reader pages. */
  queries: string[];
}

export type KintoneSandbox = SandboxHandle & { state: KintoneSandboxState };

const defaultFields: Record<string, KintoneField> = {
  code: { type: 'SINGLE_LINE_TEXT', required: true, unique: true },
  name: { type: 'SINGLE_LINE_TEXT' },
  email: { type: 'LINK' },
  age: { type: 'NUMBER' },
  note: { type: 'MULTI_LINE_TEXT' },
};

/** kintone's error body: `{"code","id","message"}`, plus `errors` (by parameter path) for validation errors. */
const kintoneError = (status: number, code: string, message: string, errors?: Record<string, { messages: string[] }>): SandboxResponse => ({
  status,
  json: { code, id: `${randomInt(1e9, 2e9)}-${randomInt(1e8, 1e9)}`, message, ...(errors ? { errors } : {}) },
});

const invalidInput = (errors: Record<string, { messages: string[] }>) => kintoneError(400, 'CB_VA01', 'Missing or invalid input.', errors);

/** A request error of a batch: kintone refuses the whole request (nothing is written) and says which record failed. */
class RecordsRefused extends Error {
  constructor(readonly response: SandboxResponse) {
    super('refused');
  }
}

const MAX_WRITE = 100;
const MAX_LIMIT = 500;
const MAX_OFFSET = 10_000;

/**
 * Starts a kintone REST API simulator for one app: records add (POST) and update/upsert (PUT) in batches of 100, all or
 * nothing; GET records with a query (limit 500, offset 10,000); the cursor API; API-token auth.
 */
export async function startKintoneSandbox(options: KintoneSandboxOptions = {}): Promise<KintoneSandbox> {
  const app = options.app ?? 1;
  const fields = options.fields ?? defaultFields;
  const tokens = new Set(options.apiTokens ?? ['sandbox-api-token']);
  const daily = new RateBudget(options.dailyLimit ?? 10_000, 24 * 3600_000);
  const state: KintoneSandboxState = { records: [], cursors: new Map(), queries: [] };
  let nextId = 1;
  let nextCursor = 1;

  const byId = (id: string) => state.records.find((r) => r.id === id);
  const byField = (code: string, value: string) => state.records.find((r) => r.values[code] === value);

  /** Checks one record object `{ code: { value } }`; returns the values to write (unknown codes are ignored, as kintone does). */
  const checkRecord = (raw: unknown, at: string, creating: boolean, self?: KintoneRecord, taken?: Map<string, Set<string>>): Record<string, string> => {
    const errors: Record<string, { messages: string[] }> = {};
    const values: Record<string, string> = {};
    if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
      throw new RecordsRefused(invalidInput({ [at]: { messages: ['Enter an object.'] } }));
    }
    for (const [code, cell] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
      const field = fields[code];
      if (!field) continue;
      const path = `${at}.${code}.value`;
      if (cell === null || typeof cell !== 'object' || !('value' in cell)) {
        errors[path] = { messages: ['Required.'] };
        continue;
      }
      const value = (cell as { value: unknown }).value;
      const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
      if (field.type === 'NUMBER' && text !== '' && !/^-?\d+(\.\d+)?$/.test(text)) {
        errors[path] = { messages: ['Only numbers are allowed.'] };
        continue;
      }
      if (field.type === 'DATE' && text !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
        errors[path] = { messages: ['Enter the date in the format YYYY-MM-DD.'] };
        continue;
      }
      if (field.unique && text !== '') {
        const other = byField(code, text);
        if ((other && other !== self) || taken?.get(code)?.has(text)) {
          errors[path] = { messages: ['This value already exists in another record.'] };
          continue;
        }
      }
      values[code] = text;
    }
    for (const [code, field] of Object.entries(fields)) {
      if (!field.required) continue;
      const after = code in values ? values[code] : creating ? undefined : self?.values[code];
      if ((after === undefined || after === '') && !errors[`${at}.${code}.value`]) errors[`${at}.${code}.value`] = { messages: ['Required.'] };
    }
    if (Object.keys(errors).length > 0) throw new RecordsRefused(invalidInput(errors));
    for (const [code, field] of Object.entries(fields)) {
      if (field.unique && values[code]) {
        if (!taken) continue;
        if (!taken.has(code)) taken.set(code, new Set());
        taken.get(code)!.add(values[code]!);
      }
    }
    return values;
  };

  const insert = (values: Record<string, string>): KintoneRecord => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const record: KintoneRecord = { id: String(nextId++), revision: '1', values, createdAt: now, updatedAt: now };
    state.records.push(record);
    return record;
  };
  const change = (record: KintoneRecord, values: Record<string, string>) => {
    Object.assign(record.values, values);
    record.revision = String(Number(record.revision) + 1);
    record.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  };

  /** A record as GET returns it: every field with its type and value, plus $id, $revision and the system fields. */
  const view = (r: KintoneRecord, only?: string[]) => {
    const out: Record<string, { type: string; value: string | null }> = {
      $id: { type: '__ID__', value: r.id },
      $revision: { type: '__REVISION__', value: r.revision },
      レコード番号: { type: 'RECORD_NUMBER', value: r.id },
      作成日時: { type: 'CREATED_TIME', value: r.createdAt },
      更新日時: { type: 'UPDATED_TIME', value: r.updatedAt },
    };
    for (const [code, field] of Object.entries(fields)) {
      const v = r.values[code];
      out[code] = { type: field.type, value: field.type === 'NUMBER' || field.type === 'DATE' ? (v === undefined || v === '' ? null : v) : (v ?? '') };
    }
    return only && only.length > 0 ? Object.fromEntries(Object.entries(out).filter(([k]) => only.includes(k))) : out;
  };

  const parseBody = (req: SandboxRequest): Record<string, unknown> => {
    try {
      const body = JSON.parse(req.body) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new RecordsRefused(kintoneError(400, 'CB_IJ01', 'Invalid JSON string.'));
  };

  const checkApp = (value: unknown) => {
    if (value === undefined || value === null || value === '') throw new RecordsRefused(invalidInput({ app: { messages: ['Required field.'] } }));
    if (String(value) !== String(app)) throw new RecordsRefused(kintoneError(404, 'GAIA_AP01', `The app (ID: ${String(value)}) not found. The app may have been deleted.`));
  };

  const recordList = (body: Record<string, unknown>): unknown[] => {
    const list = body.records;
    if (!Array.isArray(list)) throw new RecordsRefused(invalidInput({ records: { messages: ['Required field.'] } }));
    if (list.length > MAX_WRITE) throw new RecordsRefused(invalidInput({ records: { messages: [`Only up to ${MAX_WRITE} records can be specified.`] } }));
    return list;
  };

  /** Runs a write; on any refusal the records are put back as they were: kintone's batch writes are all or nothing. */
  const atomically = (run: () => SandboxResponse): SandboxResponse => {
    const saved = structuredClone(state.records);
    const savedNext = nextId;
    try {
      return run();
    } catch (e) {
      state.records = saved;
      nextId = savedNext;
      if (e instanceof RecordsRefused) return e.response;
      throw e;
    }
  };

  const addRecords = (req: SandboxRequest): SandboxResponse =>
    atomically(() => {
      const body = parseBody(req);
      checkApp(body.app);
      const taken = new Map<string, Set<string>>();
      const added = recordList(body).map((raw, i) => insert(checkRecord(raw, `records[${i}]`, true, undefined, taken)));
      return { status: 200, json: { ids: added.map((r) => r.id), revisions: added.map((r) => r.revision) } };
    });

  const updateRecords = (req: SandboxRequest): SandboxResponse =>
    atomically(() => {
      const body = parseBody(req);
      checkApp(body.app);
      const upsert = body.upsert === true || body.upsert === 'true';
      const taken = new Map<string, Set<string>>();
      const out = recordList(body).map((raw, i) => {
        const at = `records[${i}]`;
        const item = (raw ?? {}) as { id?: unknown; updateKey?: { field?: unknown; value?: unknown }; record?: unknown; revision?: unknown };
        if (item.id !== undefined && item.updateKey !== undefined) throw new RecordsRefused(invalidInput({ [at]: { messages: ['Specify either id or updateKey, not both.'] } }));
        let existing: KintoneRecord | undefined;
        let keyValues: Record<string, string> = {};
        if (item.id !== undefined) {
          existing = byId(String(item.id));
        } else if (item.updateKey && typeof item.updateKey === 'object') {
          const code = String(item.updateKey.field ?? '');
          if (!fields[code]?.unique) {
            throw new RecordsRefused(invalidInput({ [`${at}.updateKey.field`]: { messages: ['Specify a Text or Number field that has "Prohibit duplicate values" enabled.'] } }));
          }
          const value = String(item.updateKey.value ?? '');
          existing = byField(code, value);
          keyValues = { [code]: value };
        } else {
          throw new RecordsRefused(invalidInput({ [`${at}.id`]: { messages: ['Required field.'] } }));
        }
        if (!existing) {
          if (!upsert) {
            throw new RecordsRefused(
              item.id !== undefined
                ? kintoneError(404, 'GAIA_RE01', `The specified record (ID: ${String(item.id)}) is not found.`)
                : kintoneError(400, 'GAIA_RE20', `The record to update was not found (${Object.entries(keyValues).map(([k, v]) => `${k}: ${v}`).join('')}).`),
            );
          }
          const withKey = { ...((item.record ?? {}) as object), ...Object.fromEntries(Object.entries(keyValues).map(([c, v]) => [c, { value: v }])) };
          const created = insert(checkRecord(withKey, `${at}.record`, true, undefined, taken));
          return { id: created.id, revision: created.revision, operation: 'INSERT' };
        }
        const revision = item.revision === undefined ? -1 : Number(item.revision);
        if (revision !== -1 && String(revision) !== existing.revision) {
          throw new RecordsRefused(kintoneError(409, 'GAIA_CO02', `The revision is not the latest. Someone may update a record. (id: ${existing.id})`));
        }
        change(existing, checkRecord(item.record, `${at}.record`, false, existing, taken));
        return { id: existing.id, revision: existing.revision, ...(upsert ? { operation: 'UPDATE' } : {}) };
      });
      return { status: 200, json: { records: out } };
    });

  /** `DELETE /k/v1/records.json {"app","ids":[..],"revisions"?}` (or ids[i] in the query): at most 100, all or nothing. */
  const deleteRecords = (req: SandboxRequest): SandboxResponse =>
    atomically(() => {
      let app: unknown;
      let ids: unknown[];
      if (req.body.trim() !== '') {
        const body = parseBody(req);
        app = body.app;
        ids = Array.isArray(body.ids) ? body.ids : [];
      } else {
        app = req.query.get('app') ?? undefined;
        ids = [...req.query.entries()].filter(([k]) => /^ids\[\d+\]$/.test(k)).map(([, v]) => v);
      }
      checkApp(app);
      if (ids.length === 0) throw new RecordsRefused(invalidInput({ ids: { messages: ['Required field.'] } }));
      if (ids.length > MAX_WRITE) throw new RecordsRefused(invalidInput({ ids: { messages: [`Only up to ${MAX_WRITE} records can be specified.`] } }));
      for (const id of ids) {
        const record = byId(String(id));
        if (!record) throw new RecordsRefused(kintoneError(404, 'GAIA_RE01', `The specified record (ID: ${String(id)}) is not found.`));
        state.records = state.records.filter((r) => r !== record);
      }
      return { status: 200, json: {} };
    });

  /** The records a query selects: `[$id > N | code = "x"] [order by $id asc|desc] [limit N] [offset N]`, a subset of kintone's query language. */
  const runQuery = (query: string, at = 'query', defaultLimit = 100): { list: KintoneRecord[]; limit: number; offset: number } => {
    const m = /^\s*(?:(\$id|[\p{L}\w]+)\s*(=|>|<|>=|<=)\s*("(?:[^"\\]|\\.)*"|\d+)\s*)?(?:order\s+by\s+(\$id|[\p{L}\w]+)\s+(asc|desc)\s*)?(?:limit\s+(\d+)\s*)?(?:offset\s+(\d+)\s*)?$/iu.exec(query);
    if (!m) throw new RecordsRefused(kintoneError(400, 'GAIA_IQ11', `The query is not valid: ${query}`));
    let list = [...state.records];
    if (m[1]) {
      const field = m[1];
      const op = m[2]!;
      const raw = m[3]!.startsWith('"') ? (JSON.parse(m[3]!) as string) : m[3]!;
      const get = (r: KintoneRecord) => (field === '$id' ? r.id : (r.values[field] ?? ''));
      const numeric = field === '$id' || fields[field]?.type === 'NUMBER';
      const cmp = (a: string) => (numeric ? Number(a) - Number(raw) : a.localeCompare(raw));
      list = list.filter((r) => {
        const c = cmp(get(r));
        return op === '=' ? c === 0 : op === '>' ? c > 0 : op === '<' ? c < 0 : op === '>=' ? c >= 0 : c <= 0;
      });
    }
    // kintone's default order is by record id, newest first.
    const desc = m[4] ? m[5]!.toLowerCase() === 'desc' : true;
    const orderBy = m[4] ?? '$id';
    list.sort((a, b) => {
      const x = orderBy === '$id' ? Number(a.id) - Number(b.id) : (a.values[orderBy] ?? '').localeCompare(b.values[orderBy] ?? '');
      return desc ? -x : x;
    });
    const limit = m[6] === undefined ? defaultLimit : Number(m[6]);
    const offset = m[7] === undefined ? 0 : Number(m[7]);
    if (m[6] !== undefined && limit > MAX_LIMIT) throw new RecordsRefused(invalidInput({ [at]: { messages: [`The limit must be ${MAX_LIMIT} or less.`] } }));
    if (offset > MAX_OFFSET) throw new RecordsRefused(invalidInput({ [at]: { messages: [`The offset must be ${MAX_OFFSET.toLocaleString('en-US')} or less.`] } }));
    return { list, limit, offset };
  };

  /** `fields[0]=a&fields[1]=b` or `fields=a,b`-less JSON arrays: the field codes asked for. */
  const fieldsOf = (req: SandboxRequest, body?: Record<string, unknown>): string[] | undefined => {
    if (body && Array.isArray(body.fields)) return body.fields.map(String);
    const listed = [...req.query.entries()].filter(([k]) => /^fields\[\d+\]$/.test(k)).map(([, v]) => v);
    return listed.length > 0 ? listed : undefined;
  };

  const getRecords = (req: SandboxRequest): SandboxResponse => {
    try {
      checkApp(req.query.get('app') ?? undefined);
      state.queries.push(req.query.get('query') ?? '');
      if (state.queries.length > 1000) state.queries.shift();
      const { list, limit, offset } = runQuery(req.query.get('query') ?? '');
      const page = list.slice(offset, offset + limit);
      const only = fieldsOf(req);
      return { status: 200, json: { records: page.map((r) => view(r, only)), totalCount: req.query.get('totalCount') === 'true' ? String(list.length) : null } };
    } catch (e) {
      if (e instanceof RecordsRefused) return e.response;
      throw e;
    }
  };

  const cursorApi = (req: SandboxRequest): SandboxResponse => {
    try {
      if (req.method === 'POST') {
        const body = parseBody(req);
        checkApp(body.app);
        const size = body.size === undefined ? 100 : Number(body.size);
        if (!Number.isInteger(size) || size < 1 || size > MAX_LIMIT) throw new RecordsRefused(invalidInput({ size: { messages: [`Enter a value between 1 and ${MAX_LIMIT}.`] } }));
        const query = String(body.query ?? '');
        if (/\b(limit|offset)\b/i.test(query)) throw new RecordsRefused(invalidInput({ query: { messages: ['limit and offset cannot be used in the query of a cursor.'] } }));
        if (state.cursors.size >= 10) throw new RecordsRefused(kintoneError(400, 'GAIA_TM12', 'The number of cursors has reached the limit (10). Delete cursors you do not need.'));
        // The whole result, not one page: the cursor walks it (a query without limit selects every record here).
        const matched = runQuery(query, 'query', Number.MAX_SAFE_INTEGER).list;
        const id = `sandbox-cursor-${nextCursor++}`;
        state.cursors.set(id, { ids: matched.map((r) => r.id), fields: fieldsOf(req, body), size });
        return { status: 200, json: { id, totalCount: String(matched.length) } };
      }
      const id = req.method === 'GET' ? req.query.get('id') : String(parseBody(req).id ?? '');
      const cursor = id ? state.cursors.get(id) : undefined;
      if (!cursor) return kintoneError(404, 'GAIA_CU01', 'The specified cursor does not exist. The cursor may have expired or been deleted.');
      if (req.method === 'DELETE') {
        state.cursors.delete(id!);
        return { status: 200, json: {} };
      }
      const ids = cursor.ids.splice(0, cursor.size);
      const next = cursor.ids.length > 0;
      // A cursor read to its end is deleted.
      if (!next) state.cursors.delete(id!);
      return { status: 200, json: { records: ids.map((i) => byId(i)).filter((r): r is KintoneRecord => r !== undefined).map((r) => view(r, cursor.fields)), next } };
    } catch (e) {
      if (e instanceof RecordsRefused) return e.response;
      throw e;
    }
  };

  const appInfo = (req: SandboxRequest): SandboxResponse => {
    if (req.query.get('id') !== String(app)) return kintoneError(404, 'GAIA_AP01', `The app (ID: ${req.query.get('id') ?? ''}) not found. The app may have been deleted.`);
    return {
      status: 200,
      json: { appId: String(app), code: '', name: 'Customers', description: '', spaceId: null, threadId: null, createdAt: '2024-01-01T00:00:00.000Z', creator: { code: 'admin', name: 'Administrator' }, modifiedAt: '2024-01-01T00:00:00.000Z', modifier: { code: 'admin', name: 'Administrator' } },
    };
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    // Several tokens may be sent comma-separated (one per app of a request); each must be known.
    const header = req.headers['x-cybozu-api-token'];
    const sent = typeof header === 'string' ? header.split(',').map((t) => t.trim()).filter((t) => t !== '') : [];
    if (sent.length === 0) return kintoneError(401, 'CB_AU01', 'Please login.');
    if (!sent.every((t) => tokens.has(t))) return kintoneError(401, 'GAIA_IA02', 'The API token is invalid.');
    const day = daily.take();
    if (!day.allowed) return kintoneError(403, 'GAIA_DA02', 'The number of API requests per day for this app has exceeded the limit. Please wait until tomorrow.');
    const path = req.path.replace(/^\/k\/guest\/\d+\/v1\//, '/k/v1/');
    const needsJson = req.method !== 'GET' && req.body !== '' && !/^application\/json/i.test(String(req.headers['content-type'] ?? ''));
    if (needsJson) return kintoneError(415, 'CB_IL02', 'Illegal request.');
    if (path === '/k/v1/records.json') {
      if (req.method === 'POST') return addRecords(req);
      if (req.method === 'PUT') return updateRecords(req);
      if (req.method === 'GET') return getRecords(req);
      if (req.method === 'DELETE') return deleteRecords(req);
    }
    if (path === '/k/v1/records/cursor.json') return cursorApi(req);
    if (path === '/k/v1/app.json' && req.method === 'GET') return appInfo(req);
    return kintoneError(404, 'CB_NO01', 'The requested API does not exist.');
  };

  const seed = (records: unknown[]) => {
    for (const r of records) {
      if (!r || typeof r !== 'object') throw new Error('a seed record is an object of field code → value');
      const cells = Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([k, v]) => [k, { value: v }]));
      try {
        insert(checkRecord(cells, 'record', true));
      } catch (e) {
        if (e instanceof RecordsRefused) throw new Error(JSON.stringify((e.response.json as { errors?: unknown }).errors));
        throw e;
      }
    }
  };
  const reset = () => {
    state.records = [];
    state.cursors.clear();
    state.queries = [];
    nextId = 1;
    nextCursor = 1;
    daily.reset();
    seed(options.seed?.records ?? []);
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ records: state.records }),
      reset,
      seed(data) {
        const records = (data as { records?: unknown }).records;
        if (!Array.isArray(records)) throw new Error('seed expects { "records": [ {"code": ..., "name": ...}, ... ] }');
        seed(records);
      },
      faultResponse: (status) =>
        status === 429
          ? kintoneError(429, 'GAIA_TM11', 'Too many requests are being processed at the same time. Try again later.')
          : status >= 500
            ? kintoneError(status, 'CB_IL01', 'An unexpected error has occurred.')
            : kintoneError(status, 'CB_VA01', 'Missing or invalid input.'),
      rateLimit: (setting) => daily.configure(setting),
    },
    options,
  );
  return Object.assign(server, { state });
}
