import { randomBytes } from 'node:crypto';
import { bearerToken } from '../bearer-token.js';
import { createOAuthCodeFlow } from '../oauth-code-flow.js';
import { RateBudget } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';
import { createBulkJobs, type BulkOptions } from './bulk-jobs.js';
import { parseSoql, SoqlSyntaxError } from './parse-soql.js';
import { runSoql, SoqlFieldError } from './run-soql.js';
import { salesforceId } from './salesforce-id.js';
import { salesforceObjects, type SalesforceObject } from './salesforce-objects.js';

export interface SalesforceSandboxOptions extends SandboxServerOptions, BulkOptions {
  /** A session token that always works, besides tokens from the OAuth flow (default `sandbox-session-token`). */
  accessToken?: string;
  /** Accepts other bearer tokens (plug a sandbox OAuth provider's tokens here). */
  validateToken?: (token: string) => boolean;
  /** Connected-app consumer key and secret of the OAuth web-server flow (default `sandbox-client` / `sandbox-secret`). */
  clientId?: string;
  clientSecret?: string;
  /** API requests allowed per 24 h (default 100,000); past it every call answers 403 REQUEST_LIMIT_EXCEEDED. */
  requestLimit?: number;
  /** Query batch size (default 2000, or the `Sforce-Query-Options: batchSize=N` header). */
  queryBatchSize?: number;
  /** Records present from the start (and after a reset), by sObject type; may set Id, CreatedDate, LastModifiedDate. */
  seed?: Record<string, Record<string, unknown>[]>;
}

export interface SalesforceSandboxState {
  /** Records by sObject type, canonical field names. */
  objects: Record<string, Record<string, unknown>[]>;
}

export type SalesforceSandbox = SandboxHandle & { state: SalesforceSandboxState };

/** An error as Salesforce words it in a response array. */
interface SfError {
  message: string;
  errorCode: string;
  fields?: string[];
}

class SfFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: SfError[],
  ) {
    super(errors[0]?.message);
  }
}

const fail = (status: number, errorCode: string, message: string, fields?: string[]): never => {
  throw new SfFailure(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
};

/** `2024-01-15T09:30:00.000+0000`, Salesforce's datetime format. */
export const salesforceDatetime = (d: Date = new Date()) => d.toISOString().replace('Z', '+0000');

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const versionPattern = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/;

/** Starts a Salesforce REST API simulator: sObjects, upsert by external id, sObject Collections, SOQL, OAuth. */
export async function startSalesforceSandbox(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const staticToken = options.accessToken ?? 'sandbox-session-token';
  const budget = new RateBudget(options.requestLimit ?? 100_000, 24 * 3600_000);
  const oauth = createOAuthCodeFlow({
    clientId: options.clientId ?? 'sandbox-client',
    clientSecret: options.clientSecret ?? 'sandbox-secret',
    expiresIn: null,
    tokenPrefix: '00D5g000004SandB!AR8.',
    rotateRefreshToken: false,
    refreshReturnsRefreshToken: false,
    extraFields: (origin) => ({
      instance_url: origin,
      id: `${origin}/id/00D5g000004SandBEAA/0055g00000SandBXAAQ`,
      issued_at: String(Date.now()),
      signature: randomBytes(32).toString('base64'),
      scope: 'api refresh_token',
    }),
  });
  let expiredStatic = false;
  const state: SalesforceSandboxState = { objects: {} };
  let counter = 0;
  const cursors = new Map<string, { type: string; rows: Record<string, unknown>[] }>();

  const objectOf = (name: string): SalesforceObject | undefined => salesforceObjects.find((o) => o.name.toLowerCase() === name.toLowerCase());
  const objectOrFail = (name: string): SalesforceObject =>
    objectOf(name) ?? fail(404, 'NOT_FOUND', 'The requested resource does not exist');
  const store = (o: SalesforceObject) => (state.objects[o.name] ??= []);
  const findById = (o: SalesforceObject, id: string) => {
    const key = id.slice(0, 15);
    return store(o).find((r) => String(r.Id).slice(0, 15) === key);
  };
  const recordUrl = (version: string, o: SalesforceObject, id: unknown) => `/services/data/${version}/sobjects/${o.name}/${String(id)}`;

  /** Checks field values; returns the canonical-name values to write, or the errors. */
  const validate = (o: SalesforceObject, body: Record<string, unknown>, mode: 'create' | 'update', system = false): { values: Record<string, unknown>; errors: SfError[] } => {
    const values: Record<string, unknown> = {};
    const errors: SfError[] = [];
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes') continue;
      const f = o.fields.find((x) => x.name.toLowerCase() === key.toLowerCase());
      if (!f) {
        errors.push({ message: `No such column '${key}' on sobject of type ${o.name}`, errorCode: 'INVALID_FIELD', fields: [] });
        continue;
      }
      if (f.readOnly && !system) {
        if (f.name === 'Id' && mode === 'update') continue;
        errors.push({
          message: `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          fields: [f.name],
        });
        continue;
      }
      let v = raw;
      if (v === '' && f.type !== 'string') v = null;
      if (v !== null) {
        if (f.type === 'double') {
          const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
          if (Number.isNaN(n)) {
            errors.push({ message: `Cannot deserialize instance of double from VALUE_STRING value ${String(v)} or request may be missing a required field`, errorCode: 'JSON_PARSER_ERROR' });
            continue;
          }
          v = n;
        } else if (f.type === 'boolean') {
          if (typeof v !== 'boolean') {
            errors.push({ message: `Cannot deserialize instance of boolean from VALUE_STRING value ${String(v)} or request may be missing a required field`, errorCode: 'JSON_PARSER_ERROR' });
            continue;
          }
        } else if (typeof v === 'object') {
          errors.push({ message: `Cannot deserialize instance of string from START_OBJECT value { or request may be missing a required field`, errorCode: 'JSON_PARSER_ERROR' });
          continue;
        } else if (f.type === 'datetime' && !system && Number.isNaN(Date.parse(String(v)))) {
          errors.push({ message: `${f.name}: value not of required type: ${String(v)}`, errorCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD', fields: [f.name] });
          continue;
        } else {
          v = String(v);
          if (f.type === 'email' && !emailPattern.test(v as string)) {
            errors.push({ message: `${f.name}: invalid email address: ${String(v)}`, errorCode: 'INVALID_EMAIL_ADDRESS', fields: [f.name] });
            continue;
          }
          if (f.length !== undefined && (v as string).length > f.length) {
            errors.push({ message: `${f.name}: data value too large: ${String(v)} (max length=${f.length})`, errorCode: 'STRING_TOO_LONG', fields: [f.name] });
            continue;
          }
        }
      }
      values[f.name] = v;
    }
    const missing = o.fields.filter((f) => f.required && (mode === 'create' ? values[f.name] === undefined || values[f.name] === null : f.name in values && values[f.name] === null));
    if (missing.length > 0) {
      const names = missing.map((f) => f.name);
      errors.push({ message: `Required fields are missing: [${names.join(', ')}]`, errorCode: 'REQUIRED_FIELD_MISSING', fields: names });
    }
    for (const f of o.fields.filter((x) => x.externalId)) {
      const v = values[f.name];
      if (v === undefined || v === null) continue;
      const self = mode === 'update' ? body.Id : undefined;
      const other = store(o).find((r) => r[f.name] === v && r.Id !== self);
      if (other) {
        errors.push({ message: `duplicate value found: ${f.name} duplicates value on record with id: ${String(other.Id)}`, errorCode: 'DUPLICATE_VALUE', fields: [] });
      }
    }
    return { values, errors };
  };

  const insert = (o: SalesforceObject, body: Record<string, unknown>, system = false): Record<string, unknown> => {
    const { values, errors } = validate(o, body, 'create', system);
    if (errors.length > 0) throw new SfFailure(400, errors);
    const now = salesforceDatetime();
    const record: Record<string, unknown> = {};
    for (const f of o.fields) record[f.name] = f.default ?? null;
    Object.assign(record, values);
    record.Id = values.Id ?? salesforceId(o.keyPrefix, ++counter);
    record.CreatedDate = values.CreatedDate ?? now;
    record.LastModifiedDate = values.LastModifiedDate ?? values.CreatedDate ?? now;
    record.SystemModstamp = record.LastModifiedDate;
    store(o).push(record);
    return record;
  };

  const update = (o: SalesforceObject, record: Record<string, unknown>, body: Record<string, unknown>): void => {
    const id = body.Id ?? body.id;
    if (id !== undefined && String(id).slice(0, 15) !== String(record.Id).slice(0, 15)) {
      fail(400, 'INVALID_FIELD', `The Id field should not be specified in the sobject data.`);
    }
    const { Id: _a, id: _b, ...rest } = body;
    const { values, errors } = validate(o, { ...rest, Id: record.Id }, 'update');
    delete values.Id;
    if (errors.length > 0) throw new SfFailure(400, errors);
    Object.assign(record, values);
    record.LastModifiedDate = record.SystemModstamp = salesforceDatetime();
  };

  /** Upsert by external id: created or updated, or a failure (300 when several records match). */
  const upsert = (o: SalesforceObject, fieldName: string, value: string, body: Record<string, unknown>): { record: Record<string, unknown>; created: boolean } => {
    const f = o.fields.find((x) => x.name.toLowerCase() === fieldName.toLowerCase());
    if (!f || !(f.externalId || f.name === 'Id')) {
      return fail(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${fieldName}`);
    }
    const bodyValue = Object.entries(body).find(([k]) => k.toLowerCase() === f.name.toLowerCase())?.[1];
    if (bodyValue !== undefined && bodyValue !== null && String(bodyValue) !== value) {
      fail(400, 'INVALID_FIELD', `The value of ${f.name} in the body (${String(bodyValue)}) does not match the value in the URL (${value})`);
    }
    const matches = f.name === 'Id' ? [findById(o, value)].filter((r) => r !== undefined) : store(o).filter((r) => r[f.name] === value);
    if (matches.length > 1) {
      throw new SfFailure(300, matches.map((r) => ({ message: `${o.name}/${String(r.Id)}`, errorCode: 'MULTIPLE_CHOICES' })));
    }
    const rest = Object.fromEntries(Object.entries(body).filter(([k]) => k.toLowerCase() !== f.name.toLowerCase()));
    if (matches[0]) {
      update(o, matches[0], rest);
      return { record: matches[0], created: false };
    }
    if (f.name === 'Id') fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    return { record: insert(o, { ...rest, [f.name]: value }), created: true };
  };

  const queryPage = (version: string, cursorId: string, offset: number, batch: number): SandboxResponse => {
    const cursor = cursors.get(cursorId);
    if (!cursor) return fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const o = objectOf(cursor.type)!;
    const page = cursor.rows.slice(offset, offset + batch);
    const done = offset + page.length >= cursor.rows.length;
    if (done) cursors.delete(cursorId);
    return {
      status: 200,
      json: {
        totalSize: cursor.rows.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/${version}/query/${cursorId}-${offset + page.length}` }),
        records: page.map((r) => ({ attributes: { type: o.name, url: recordUrl(version, o, r.Id ?? '') }, ...r })),
      },
    };
  };

  const batchSizeOf = (req: SandboxRequest): number => {
    // The header is a request, not a promise: Salesforce may return fewer, which the queryBatchSize option imitates.
    const h = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
    const asked = h ? Math.min(2000, Math.max(200, Number(h[1]))) : 2000;
    return Math.min(asked, options.queryBatchSize ?? 2000);
  };

  const json = (req: SandboxRequest): any => {
    try {
      return JSON.parse(req.body);
    } catch {
      return fail(400, 'JSON_PARSER_ERROR', `Unexpected character: was expecting a JSON value at [line:1, column:1]`);
    }
  };
  const objectBody = (req: SandboxRequest): Record<string, unknown> => {
    const b = json(req);
    if (!b || typeof b !== 'object' || Array.isArray(b)) fail(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
    return b;
  };

  /** sObject Collections: runs each record, honouring allOrNone by restoring the store when any failed. */
  const collection = (records: unknown[], allOrNone: boolean, run: (r: Record<string, any>) => Record<string, unknown>): SandboxResponse => {
    if (records.length > 200) fail(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
    const snapshot = allOrNone ? structuredClone(state.objects) : undefined;
    const results = records.map((r) => {
      try {
        if (!r || typeof r !== 'object' || Array.isArray(r)) fail(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from a non-object value');
        return { ok: true, result: run(r as Record<string, any>) };
      } catch (e) {
        if (!(e instanceof SfFailure)) throw e;
        return { ok: false, result: { success: false, errors: e.errors.map((x) => ({ statusCode: x.errorCode, message: x.message, fields: x.fields ?? [] })) } };
      }
    });
    if (snapshot && results.some((r) => !r.ok)) {
      state.objects = snapshot;
      return {
        status: 200,
        json: results.map((r) =>
          r.ok
            ? { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] }
            : r.result,
        ),
      };
    }
    return { status: 200, json: results.map((r) => r.result) };
  };
  const typed = (r: Record<string, any>): SalesforceObject => {
    const type = r.attributes?.type;
    if (typeof type !== 'string') return fail(400, 'INVALID_TYPE', 'Must send a concrete entity type.');
    return objectOf(type) ?? fail(400, 'INVALID_TYPE', `sObject type '${type}' is not supported.`);
  };
  const collectionBody = (req: SandboxRequest): { records: unknown[]; allOrNone: boolean } => {
    const b = objectBody(req);
    if (!Array.isArray(b.records)) return fail(400, 'JSON_PARSER_ERROR', 'The request body must contain a records array');
    return { records: b.records, allOrNone: b.allOrNone === true };
  };

  /** A SOQL query run over the store: its object, fields and rows (400 MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD). */
  const soql = (q: string) => {
    let parsed;
    try {
      parsed = parseSoql(q);
    } catch (e) {
      if (e instanceof SoqlSyntaxError) return fail(400, 'MALFORMED_QUERY', e.message);
      throw e;
    }
    const o = objectOf(parsed.object);
    if (!o) {
      return fail(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    try {
      return { parsed, object: o, result: runSoql(parsed, o, store(o)) };
    } catch (e) {
      if (e instanceof SoqlFieldError) return fail(400, 'INVALID_FIELD', e.message);
      throw e;
    }
  };

  const bulk = createBulkJobs(
    {
      objectOf,
      write(o, operation, values, externalIdField) {
        if (operation === 'insert') {
          if (values.Id !== undefined) fail(400, 'INVALID_FIELD', 'cannot specify Id in an insert call');
          return { id: String(insert(o, values).Id), created: true };
        }
        if (operation === 'upsert') {
          const field = o.fields.find((f) => f.name.toLowerCase() === (externalIdField ?? '').toLowerCase())!;
          const value = values[field.name];
          if (value === undefined || value === null) return fail(400, 'MISSING_ARGUMENT', `${field.name} not specified`);
          const res = upsert(o, field.name, String(value), values);
          return { id: String(res.record.Id), created: res.created };
        }
        const id = values.Id;
        if (typeof id !== 'string') return fail(400, 'MISSING_ARGUMENT', `Id not specified in an ${operation === 'update' ? 'update' : 'delete'} call`);
        const found = findById(o, id) ?? fail(400, operation === 'update' ? 'INVALID_CROSS_REFERENCE_KEY' : 'ENTITY_IS_DELETED', operation === 'update' ? 'invalid cross reference id' : 'entity is deleted');
        if (operation === 'update') update(o, found, values);
        else store(o).splice(store(o).indexOf(found), 1);
        return { id: String(found.Id), created: false };
      },
      errorsOf: (e) => (e instanceof SfFailure ? e.errors : undefined),
      query(q) {
        const { object, result } = soql(q);
        return { object, fields: result.fields, rows: result.rows };
      },
      now: () => salesforceDatetime(),
      fail,
    },
    options,
  );

  const api = (req: SandboxRequest, version: string, versionNumber: number, route: string): SandboxResponse => {
    const m = req.method;
    if (route.startsWith('/jobs/')) {
      const answer = bulk.route(req, versionNumber, route);
      if (answer) return answer;
    }
    if (route === '' || route === '/') {
      return { status: 200, json: { sobjects: `/services/data/${version}/sobjects`, query: `/services/data/${version}/query`, limits: `/services/data/${version}/limits`, composite: `/services/data/${version}/composite` } };
    }
    if (route === '/limits' && m === 'GET') {
      const s = budget.peek();
      return { status: 200, json: { DailyApiRequests: { Max: s.limit, Remaining: s.remaining } } };
    }
    if (route === '/sobjects' && m === 'GET') {
      return { status: 200, json: { encoding: 'UTF-8', maxBatchSize: 200, sobjects: salesforceObjects.map((o) => ({ name: o.name, keyPrefix: o.keyPrefix, createable: true, updateable: true, queryable: true })) } };
    }
    if (route === '/query' && m === 'GET') {
      const q = req.query.get('q');
      if (!q) return fail(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      const { parsed, object: o, result } = soql(q);
      if (parsed.count) return { status: 200, json: { totalSize: result.totalSize, done: true, records: [] } };
      const cursorId = `01g5g00000${randomBytes(4).toString('hex').toUpperCase()}AAA`;
      cursors.set(cursorId, { type: o.name, rows: result.rows });
      return queryPage(version, cursorId, 0, batchSizeOf(req));
    }
    let r = /^\/query\/([A-Za-z0-9]+)-(\d+)$/.exec(route);
    if (r && m === 'GET') return queryPage(version, r[1]!, Number(r[2]), batchSizeOf(req));

    if (route === '/composite/sobjects') {
      if (m === 'POST') {
        const { records, allOrNone } = collectionBody(req);
        return collection(records, allOrNone, (rec) => {
          const o = typed(rec);
          if (rec.id !== undefined || rec.Id !== undefined) fail(400, 'INVALID_FIELD', 'cannot specify Id in an insert call');
          const created = insert(o, rec);
          return { id: created.Id, success: true, errors: [] };
        });
      }
      if (m === 'PATCH') {
        const { records, allOrNone } = collectionBody(req);
        return collection(records, allOrNone, (rec) => {
          const o = typed(rec);
          const id = rec.id ?? rec.Id;
          if (typeof id !== 'string') return fail(400, 'MISSING_ARGUMENT', 'Id not specified in an update call');
          const found = findById(o, id) ?? fail(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
          update(o, found, rec);
          return { id: found.Id, success: true, errors: [] };
        });
      }
      if (m === 'DELETE') {
        const ids = (req.query.get('ids') ?? '').split(',').filter((x) => x !== '');
        if (ids.length === 0) return fail(400, 'MISSING_ARGUMENT', 'ids parameter is required');
        const deletions = new Set<string>();
        const result = collection(ids.map((id) => ({ id })), req.query.get('allOrNone') === 'true', (rec) => {
          const id = String(rec.id);
          const o = salesforceObjects.find((x) => id.startsWith(x.keyPrefix));
          const found = (o && findById(o, id)) ?? fail(404, 'ENTITY_IS_DELETED', 'entity is deleted');
          if (deletions.has(String(found.Id))) fail(400, 'ENTITY_IS_DELETED', 'entity is deleted');
          deletions.add(String(found.Id));
          return { id: found.Id, success: true, errors: [] };
        });
        if ((result.json as { success: boolean }[]).some((x) => x.success)) {
          for (const [type, records] of Object.entries(state.objects)) state.objects[type] = records.filter((x) => !deletions.has(String(x.Id)));
        }
        return result;
      }
    }
    r = /^\/composite\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)$/.exec(route);
    if (r && m === 'PATCH') {
      if (versionNumber < 46) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
      const o = objectOrFail(r[1]!);
      const fieldName = r[2]!;
      const { records, allOrNone } = collectionBody(req);
      return collection(records, allOrNone, (rec) => {
        const value = Object.entries(rec).find(([k]) => k.toLowerCase() === fieldName.toLowerCase())?.[1];
        if (value === undefined || value === null) return fail(400, 'MISSING_ARGUMENT', `${fieldName} not specified`);
        const { attributes: _a, ...body } = rec;
        const res = upsert(o, fieldName, String(value), body);
        return { id: res.record.Id, success: true, errors: [], created: res.created };
      });
    }

    r = /^\/sobjects\/([A-Za-z0-9_]+)\/?$/.exec(route);
    if (r) {
      const o = objectOrFail(r[1]!);
      if (m === 'POST') {
        const created = insert(o, objectBody(req));
        return { status: 201, headers: { Location: recordUrl(version, o, created.Id) }, json: { id: created.Id, success: true, errors: [] } };
      }
      if (m === 'GET') return { status: 200, json: { objectDescribe: { name: o.name, keyPrefix: o.keyPrefix }, recentItems: [] } };
    }
    r = /^\/sobjects\/([A-Za-z0-9_]+)\/describe\/?$/.exec(route);
    if (r && m === 'GET') {
      const o = objectOrFail(r[1]!);
      return {
        status: 200,
        json: { name: o.name, keyPrefix: o.keyPrefix, fields: o.fields.map((f) => ({ name: f.name, type: f.type, nillable: !f.required, createable: !f.readOnly, updateable: !f.readOnly, externalId: Boolean(f.externalId), length: f.length ?? 0 })) },
      };
    }
    r = /^\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15}|[A-Za-z0-9]{18})$/.exec(route);
    if (r && (m === 'GET' || m === 'DELETE' || m === 'PATCH')) {
      const o = objectOrFail(r[1]!);
      const record = findById(o, r[2]!) ?? fail(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (m === 'GET') {
        const wanted = req.query.get('fields')?.split(',').map((x) => x.trim());
        const fields = wanted ? wanted.map((w) => o.fields.find((f) => f.name.toLowerCase() === w.toLowerCase())?.name ?? fail(400, 'INVALID_FIELD', `No such column '${w}' on sobject of type ${o.name}`)) : o.fields.map((f) => f.name);
        return { status: 200, json: { attributes: { type: o.name, url: recordUrl(version, o, record.Id) }, ...Object.fromEntries(fields.map((f) => [f, record[f] ?? null])) } };
      }
      if (m === 'DELETE') {
        store(o).splice(store(o).indexOf(record), 1);
        return { status: 204 };
      }
      update(o, record, objectBody(req));
      return { status: 204 };
    }
    r = /^\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9_]+)\/([^/]+)$/.exec(route);
    if (r && (m === 'PATCH' || m === 'GET')) {
      const o = objectOrFail(r[1]!);
      const value = decodeURIComponent(r[3]!);
      if (m === 'GET') {
        const f = o.fields.find((x) => x.name.toLowerCase() === r![2]!.toLowerCase() && x.externalId) ?? fail(404, 'NOT_FOUND', 'The requested resource does not exist');
        const found = store(o).find((x) => x[f.name] === value) ?? fail(404, 'NOT_FOUND', 'The requested resource does not exist');
        return { status: 200, json: { attributes: { type: o.name, url: recordUrl(version, o, found.Id) }, ...found } };
      }
      if (req.query.get('updateOnly') === 'true') {
        const f = o.fields.find((x) => x.name.toLowerCase() === r![2]!.toLowerCase());
        if (f && !store(o).some((x) => x[f.name] === value)) return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
      }
      const res = upsert(o, r[2]!, value, objectBody(req));
      if (res.created) return { status: 201, headers: { Location: recordUrl(version, o, res.record.Id) }, json: { id: res.record.Id, success: true, errors: [], ...(versionNumber >= 46 ? { created: true } : {}) } };
      if (versionNumber >= 46) return { status: 200, json: { id: res.record.Id, success: true, errors: [], created: false } };
      return { status: 204 };
    }
    return fail(404, 'NOT_FOUND', 'The requested resource does not exist');
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (req.path === '/services/oauth2/authorize' && req.method === 'GET') return oauth.authorize(req);
    if (req.path === '/services/oauth2/token' && req.method === 'POST') return oauth.token(req);
    if (req.path === '/services/data' || req.path === '/services/data/') {
      return { status: 200, json: [{ label: "Winter '24", url: '/services/data/v59.0', version: '59.0' }, { label: "Spring '24", url: '/services/data/v60.0', version: '60.0' }] };
    }
    const v = versionPattern.exec(req.path);
    if (!v) return { status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
    const token = bearerToken(req.headers);
    const valid =
      token !== undefined &&
      ((token === staticToken && !expiredStatic) || options.validateToken?.(token) === true || oauth.check(token) === 'valid');
    if (!valid) return { status: 401, json: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] };
    const b = budget.take();
    const limitInfo = { 'Sforce-Limit-Info': `api-usage=${b.limit - b.remaining}/${b.limit}` };
    if (!b.allowed) return { status: 403, headers: limitInfo, json: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] };
    try {
      const answer = api(req, `v${v[1]}.${v[2]}`, Number(v[1]), v[3] ?? '');
      return { ...answer, headers: { ...answer.headers, ...limitInfo } };
    } catch (e) {
      if (e instanceof SfFailure) {
        if (e.status === 300) return { status: 300, headers: limitInfo, json: e.errors.map((x) => `/services/data/v${v[1]}.${v[2]}/sobjects/${x.message}`) };
        return { status: e.status, headers: limitInfo, json: e.errors };
      }
      throw e;
    }
  };

  const seed = (data: Record<string, unknown>) => {
    for (const [type, records] of Object.entries(data)) {
      const o = objectOf(type);
      if (!o || !Array.isArray(records)) throw new Error(`seed expects { "Lead": [ ... ] } with a known sObject type, got "${type}"`);
      for (const r of records as Record<string, unknown>[]) {
        try {
          insert(o, r, true);
        } catch (e) {
          throw new Error(`seed ${type}: ${(e as Error).message}`);
        }
      }
    }
  };
  const reset = () => {
    state.objects = {};
    counter = 0;
    cursors.clear();
    bulk.reset();
    budget.reset();
    oauth.reset();
    expiredStatic = false;
    seed(options.seed ?? {});
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => state.objects,
      reset,
      seed: (data) => {
        if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('seed expects { "Lead": [ ... ] }');
        seed(data as Record<string, unknown>);
      },
      faultResponse: (status) => ({
        status,
        json: [
          status === 503
            ? { message: 'Server temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' }
            : status >= 500
              ? { message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)', errorCode: 'UNKNOWN_EXCEPTION' }
              : status === 401
                ? { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }
                : status === 403
                  ? { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }
                  : { message: 'Bad request', errorCode: 'INVALID_FIELD' },
        ],
      }),
      rateLimit: (setting) => budget.configure(setting),
      expireTokens() {
        oauth.expireAll();
        expiredStatic = true;
      },
    },
    options,
  );
  return Object.assign(server, { state });
}
