import { createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { bearerToken } from '../bearer-token.js';
import { RateBudget } from '../rate-budget.js';
import { startSandboxServer, type SandboxHandle, type SandboxRequest, type SandboxResponse, type SandboxServerOptions } from '../sandbox-server.js';

/** A cell as stored: what RAW input wrote. */
export type Cell = string | number | boolean | null;

export interface GoogleSheetsSandboxOptions extends SandboxServerOptions {
  /** The spreadsheet served (default "sandbox-spreadsheet"). */
  spreadsheetId?: string;
  /** Its sheets by title, with their rows (default one empty sheet, Sheet1). */
  sheets?: Record<string, Cell[][]>;
  /** The service account's public key (PEM) that verifies JWT assertions; default: a key pair made at start. */
  publicKey?: string;
  /** The service account's email, the assertions' iss (default sluice-sandbox@sandbox-project.iam.gserviceaccount.com). */
  clientEmail?: string;
  /** Access-token lifetime in seconds (default 3600). */
  tokenLifetimeSeconds?: number;
  /** Write requests per minute (default 60, the per-user quota) and read requests per minute (default 60). */
  rateLimit?: { writesPerMinute?: number; readsPerMinute?: number };
}

export interface GoogleSheetsSandboxState {
  /** Rows of each sheet, by title. */
  sheets: Map<string, Cell[][]>;
  /** Access tokens issued, with when each expires (epoch ms). */
  tokens: Map<string, number>;
}

/** A service-account key file as Google's console downloads it (JSON). */
export interface ServiceAccountKey {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

export type GoogleSheetsSandbox = SandboxHandle & {
  state: GoogleSheetsSandboxState;
  /** The key file of the service account the sandbox trusts (only when it made the key pair itself). */
  serviceAccountKey?: ServiceAccountKey;
  spreadsheetId: string;
};

const SCOPES = new Set(['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/drive', 'https://www.googleapis.com/auth/drive.file']);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ROWS = 1000;
const MAX_COLUMNS = 26;

/** Google's error body: `{"error":{"code","message","status"}}`. */
const googleError = (code: number, status: string, message: string, extra: Record<string, unknown> = {}): SandboxResponse => ({
  status: code,
  json: { error: { code, message, status, ...extra } },
});

class Refused extends Error {
  constructor(readonly response: SandboxResponse) {
    super('refused');
  }
}

/** A1 notation: `Sheet1`, `Sheet1!A1:C5`, `'My sheet'!A:C`, `A1:B2` (the first sheet). */
interface A1Range {
  sheet: string;
  startRow: number;
  startCol: number;
  /** Inclusive; undefined: to the sheet's end. */
  endRow?: number;
  endCol?: number;
}

const columnNumber = (letters: string): number => [...letters.toUpperCase()].reduce((n, c) => n * 26 + (c.charCodeAt(0) - 64), 0) - 1;
const columnLetters = (n: number): string => {
  let s = '';
  for (let i = n + 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
};
const quoteSheet = (title: string) => (/^[A-Za-z0-9_]+$/.test(title) ? title : `'${title.replace(/'/g, "''")}'`);
const a1 = (sheet: string, r0: number, c0: number, r1: number, c1: number) => `${quoteSheet(sheet)}!${columnLetters(c0)}${r0 + 1}:${columnLetters(c1)}${r1 + 1}`;

/** Starts a Google Sheets API v4 simulator: a service-account JWT exchanged for a token, values append, batchUpdate and get. */
export async function startGoogleSheetsSandbox(options: GoogleSheetsSandboxOptions = {}): Promise<GoogleSheetsSandbox> {
  const spreadsheetId = options.spreadsheetId ?? 'sandbox-spreadsheet';
  const clientEmail = options.clientEmail ?? 'sluice-sandbox@sandbox-project.iam.gserviceaccount.com';
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  let publicKey: KeyObject;
  let serviceAccountKey: ServiceAccountKey | undefined;
  const keyId = randomBytes(20).toString('hex');
  if (options.publicKey !== undefined) {
    publicKey = createPublicKey(options.publicKey);
  } else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    publicKey = pair.publicKey;
    serviceAccountKey = {
      type: 'service_account',
      project_id: 'sandbox-project',
      private_key_id: keyId,
      private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: '100000000000000000001',
      token_uri: '',
    };
  }
  const writes = new RateBudget(options.rateLimit?.writesPerMinute ?? 60, 60_000);
  const reads = new RateBudget(options.rateLimit?.readsPerMinute ?? 60, 60_000);
  const state: GoogleSheetsSandboxState = { sheets: new Map(), tokens: new Map() };
  let origin = '';

  const parseRange = (text: string): A1Range => {
    const bad = () => new Refused(googleError(400, 'INVALID_ARGUMENT', `Unable to parse range: ${text}`));
    let sheet: string | undefined;
    let cells = text;
    const quoted = /^'((?:[^']|'')+)'(?:!(.*))?$/.exec(text);
    if (quoted) {
      sheet = quoted[1]!.replace(/''/g, "'");
      cells = quoted[2] ?? '';
    } else if (text.includes('!')) {
      sheet = text.slice(0, text.indexOf('!'));
      cells = text.slice(text.indexOf('!') + 1);
    } else if (state.sheets.has(text)) {
      sheet = text;
      cells = '';
    }
    sheet ??= [...state.sheets.keys()][0]!;
    if (!state.sheets.has(sheet)) throw bad();
    if (cells === '') return { sheet, startRow: 0, startCol: 0 };
    const m = /^([A-Za-z]{1,3})?(\d+)?(?::([A-Za-z]{1,3})?(\d+)?)?$/.exec(cells);
    if (!m || (!m[1] && !m[2])) throw bad();
    return {
      sheet,
      startCol: m[1] ? columnNumber(m[1]) : 0,
      startRow: m[2] ? Number(m[2]) - 1 : 0,
      endCol: m[3] ? columnNumber(m[3]) : m[1] && !cells.includes(':') ? columnNumber(m[1]) : undefined,
      endRow: m[4] ? Number(m[4]) - 1 : m[2] && !cells.includes(':') ? Number(m[2]) - 1 : undefined,
    };
  };

  /** The rows of a values body, checked: a list of lists of strings, numbers, booleans or nulls. */
  const valuesOf = (raw: unknown, at: string): Cell[][] => {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw new Refused(googleError(400, 'INVALID_ARGUMENT', `Invalid value at '${at}' (type.googleapis.com/google.protobuf.ListValue), ${JSON.stringify(raw)}`));
    return raw.map((row, i) => {
      if (!Array.isArray(row)) throw new Refused(googleError(400, 'INVALID_ARGUMENT', `Invalid value at '${at}[${i}]' (type.googleapis.com/google.protobuf.ListValue), ${JSON.stringify(row)}`));
      return row.map((cell, j) => {
        if (cell !== null && typeof cell === 'object') {
          throw new Refused(googleError(400, 'INVALID_ARGUMENT', `Invalid values[${i}][${j}]: struct_value {${JSON.stringify(cell).slice(0, 100)}}`));
        }
        return cell as Cell;
      });
    });
  };

  const writeAt = (sheet: string, row: number, col: number, values: Cell[][]) => {
    const grid = state.sheets.get(sheet)!;
    const width = Math.max(0, ...values.map((r) => r.length));
    if (col + width > MAX_COLUMNS) {
      throw new Refused(googleError(400, 'INVALID_ARGUMENT', `Range (${a1(sheet, row, col, row + values.length - 1, col + width - 1)}) exceeds grid limits. Max rows: ${Math.max(MAX_ROWS, grid.length)}, max columns: ${MAX_COLUMNS}`));
    }
    values.forEach((r, i) => {
      const target = (grid[row + i] ??= []);
      r.forEach((cell, j) => {
        // null leaves the cell as it is (ValueRange semantics); "" clears it.
        if (cell !== null) target[col + j] = cell;
      });
    });
    for (let i = 0; i < grid.length; i++) grid[i] ??= [];
    return { rows: values.length, cols: width, cells: values.reduce((n, r) => n + r.length, 0) };
  };

  const parseJson = (req: SandboxRequest): Record<string, unknown> => {
    try {
      const body = JSON.parse(req.body === '' ? '{}' : req.body) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new Refused(googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.'));
  };

  const inputOption = (value: unknown) => {
    if (value === undefined || value === null || value === '') throw new Refused(googleError(400, 'INVALID_ARGUMENT', "'valueInputOption' is required but not specified"));
    if (value !== 'RAW' && value !== 'USER_ENTERED') throw new Refused(googleError(400, 'INVALID_ARGUMENT', `Invalid value at 'value_input_option' (TYPE_ENUM), "${String(value)}"`));
  };

  const append = (req: SandboxRequest, rangeText: string): SandboxResponse => {
    inputOption(req.query.get('valueInputOption') ?? undefined);
    const range = parseRange(rangeText);
    const body = parseJson(req);
    if (body.range !== undefined && body.range !== rangeText) {
      throw new Refused(googleError(400, 'INVALID_ARGUMENT', `Requested writing within range [${String(body.range)}], but tried writing to row [1]`));
    }
    const values = valuesOf(body.values, 'data.values');
    const grid = state.sheets.get(range.sheet)!;
    // The table is the run of rows holding data in the range's columns; new rows go right after its last row.
    let last = -1;
    for (let i = 0; i < grid.length; i++) {
      if ((grid[i] ?? []).slice(range.startCol).some((c) => c !== undefined && c !== null && c !== '')) last = i;
    }
    const tableWidth = Math.max(1, ...grid.map((r) => (r ?? []).length - range.startCol));
    const at = Math.max(last + 1, range.startRow);
    const written = writeAt(range.sheet, at, range.startCol, values);
    const updates = {
      spreadsheetId,
      updatedRange: a1(range.sheet, at, range.startCol, at + Math.max(1, written.rows) - 1, range.startCol + Math.max(1, written.cols) - 1),
      updatedRows: written.rows,
      updatedColumns: written.cols,
      updatedCells: written.cells,
    };
    return { status: 200, json: { spreadsheetId, ...(last >= 0 ? { tableRange: a1(range.sheet, range.startRow, range.startCol, last, range.startCol + tableWidth - 1) } : {}), updates } };
  };

  const batchUpdate = (req: SandboxRequest): SandboxResponse => {
    const body = parseJson(req);
    inputOption(body.valueInputOption);
    if (!Array.isArray(body.data)) throw new Refused(googleError(400, 'INVALID_ARGUMENT', "Invalid value at 'data' (type.googleapis.com/google.apps.sheets.v4.ValueRange)"));
    // All ranges are checked before anything is written: the request is atomic.
    const plan = body.data.map((d: unknown, i: number) => {
      const item = (d ?? {}) as { range?: unknown; values?: unknown; majorDimension?: unknown };
      if (typeof item.range !== 'string') throw new Refused(googleError(400, 'INVALID_ARGUMENT', `data[${i}].range is required`));
      return { range: parseRange(item.range), values: valuesOf(item.values, `data[${i}].values`) };
    });
    const saved = new Map([...state.sheets].map(([k, v]) => [k, v.map((r) => [...(r ?? [])])]));
    try {
      const responses = plan.map(({ range, values }: { range: A1Range; values: Cell[][] }) => {
        const written = writeAt(range.sheet, range.startRow, range.startCol, values);
        return {
          spreadsheetId,
          updatedRange: a1(range.sheet, range.startRow, range.startCol, range.startRow + Math.max(1, written.rows) - 1, range.startCol + Math.max(1, written.cols) - 1),
          updatedRows: written.rows,
          updatedColumns: written.cols,
          updatedCells: written.cells,
        };
      });
      const sum = (k: 'updatedRows' | 'updatedColumns' | 'updatedCells') => responses.reduce((n: number, r: Record<string, number | string>) => n + (r[k] as number), 0);
      return {
        status: 200,
        json: { spreadsheetId, totalUpdatedRows: sum('updatedRows'), totalUpdatedColumns: sum('updatedColumns'), totalUpdatedCells: sum('updatedCells'), totalUpdatedSheets: new Set(plan.map((p: { range: A1Range }) => p.range.sheet)).size, responses },
      };
    } catch (e) {
      state.sheets = saved;
      throw e;
    }
  };

  const getValues = (req: SandboxRequest, rangeText: string): SandboxResponse => {
    const range = parseRange(rangeText);
    const grid = state.sheets.get(range.sheet)!;
    const formatted = (req.query.get('valueRenderOption') ?? 'FORMATTED_VALUE') === 'FORMATTED_VALUE';
    const rows = grid.slice(range.startRow, range.endRow === undefined ? undefined : range.endRow + 1).map((r) =>
      (r ?? []).slice(range.startCol, range.endCol === undefined ? undefined : range.endCol + 1).map((c) => (c === undefined || c === null ? '' : formatted ? (typeof c === 'boolean' ? (c ? 'TRUE' : 'FALSE') : String(c)) : c)),
    );
    while (rows.length > 0 && rows[rows.length - 1]!.every((c) => c === '')) rows.pop();
    const trimmed = rows.map((r) => {
      const out = [...r];
      while (out.length > 0 && out[out.length - 1] === '') out.pop();
      return out;
    });
    const lastRow = range.endRow ?? Math.max(range.startRow, range.startRow + trimmed.length - 1);
    const lastCol = range.endCol ?? Math.max(range.startCol, MAX_COLUMNS - 1);
    return { status: 200, json: { range: a1(range.sheet, range.startRow, range.startCol, lastRow, lastCol), majorDimension: 'ROWS', ...(trimmed.length > 0 ? { values: trimmed } : {}) } };
  };

  const token = (req: SandboxRequest): SandboxResponse => {
    const form = new URLSearchParams(req.body);
    const refuse = (description: string) => ({ status: 400, json: { error: 'invalid_grant', error_description: description } });
    if (form.get('grant_type') !== JWT_BEARER) return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: ' + (form.get('grant_type') ?? '') } };
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('Invalid JWT: not a compact JWS');
    let header: { alg?: unknown; kid?: unknown };
    let claims: { iss?: unknown; scope?: unknown; aud?: unknown; exp?: unknown; iat?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return refuse('Invalid JWT: the header or claims are not JSON');
    }
    if (header.alg !== 'RS256') return refuse(`Invalid JWT: alg must be RS256, not ${String(header.alg)}`);
    // Google verifies the RS256 signature (PKCS#1 v1.5 over SHA-256) with the service account's public key.
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2]!, 'base64url'))) return refuse('Invalid JWT Signature.');
    if (claims.iss !== clientEmail) return { status: 401, json: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    if (claims.aud !== `${origin}/token`) return refuse(`Invalid JWT: aud must be ${origin}/token`);
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return refuse('Invalid JWT: exp and iat must be numbers');
    if (claims.exp <= now || claims.exp - claims.iat > 3600 || claims.iat > now + 60) return refuse('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
    if (scopes.length === 0 || !scopes.some((s) => SCOPES.has(s))) return { status: 400, json: { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' } };
    const access = `ya29.sandbox-${randomBytes(24).toString('base64url')}`;
    state.tokens.set(access, Date.now() + lifetime * 1000);
    return { status: 200, headers: { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate', Pragma: 'no-cache' }, json: { access_token: access, expires_in: lifetime - 1, token_type: 'Bearer' } };
  };

  const api = (req: SandboxRequest): SandboxResponse => {
    const m = /^\/v4\/spreadsheets\/([^/]+)(?:\/values(?::batchUpdate|\/([^/]+)))?$/.exec(req.path);
    if (!m) return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
    if (decodeURIComponent(m[1]!) !== spreadsheetId) return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
    const isWrite = req.method !== 'GET';
    const budget = (isWrite ? writes : reads).take();
    if (!budget.allowed) {
      const metric = isWrite ? 'Write requests' : 'Read requests';
      return googleError(429, 'RESOURCE_EXHAUSTED', `Quota exceeded for quota metric '${metric}' and limit '${metric} per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:100000000001'.`, {
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { quota_limit: isWrite ? 'WriteRequestsPerMinutePerUser' : 'ReadRequestsPerMinutePerUser', service: 'sheets.googleapis.com' } }],
      });
    }
    const tail = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    if (req.path.endsWith('/values:batchUpdate') && req.method === 'POST') return batchUpdate(req);
    if (tail !== undefined && tail.endsWith(':append') && req.method === 'POST') return append(req, tail.slice(0, -':append'.length));
    if (tail !== undefined && req.method === 'GET') return getValues(req, tail);
    if (m[2] === undefined && !req.path.includes('/values') && req.method === 'GET') {
      return {
        status: 200,
        json: {
          spreadsheetId,
          properties: { title: 'Sandbox spreadsheet', locale: 'en_US', autoRecalc: 'ON_CHANGE', timeZone: 'Etc/GMT' },
          sheets: [...state.sheets.keys()].map((title, i) => ({ properties: { sheetId: i, title, index: i, sheetType: 'GRID', gridProperties: { rowCount: Math.max(MAX_ROWS, state.sheets.get(title)!.length), columnCount: MAX_COLUMNS } } })),
          spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit`,
        },
      };
    }
    return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
  };

  const handle = (req: SandboxRequest): SandboxResponse => {
    if (req.path === '/token' && req.method === 'POST') return token(req);
    if (req.path === '/sandbox-service-account.json' && req.method === 'GET') {
      return serviceAccountKey ? { status: 200, json: { ...serviceAccountKey, token_uri: `${origin}/token` } } : googleError(404, 'NOT_FOUND', 'no generated key: the sandbox was given a public key');
    }
    const presented = bearerToken(req.headers);
    const expires = presented === undefined ? undefined : state.tokens.get(presented);
    if (expires === undefined || expires <= Date.now()) {
      return {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
        json: {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
            status: 'UNAUTHENTICATED',
          },
        },
      };
    }
    try {
      return api(req);
    } catch (e) {
      if (e instanceof Refused) return e.response;
      throw e;
    }
  };

  const reset = () => {
    state.sheets = new Map(Object.entries(options.sheets ?? { Sheet1: [] }).map(([k, v]) => [k, v.map((r) => [...r])]));
    state.tokens.clear();
    writes.reset();
    reads.reset();
  };
  reset();

  const server = await startSandboxServer(
    {
      handle,
      records: () => ({ sheets: Object.fromEntries(state.sheets) }),
      reset,
      seed(data) {
        const sheets = (data as { sheets?: unknown }).sheets;
        if (!sheets || typeof sheets !== 'object') throw new Error('seed expects { "sheets": { "Sheet1": [["a", "b"], ...] } }');
        for (const [title, rows] of Object.entries(sheets as Record<string, unknown>)) {
          if (!Array.isArray(rows)) throw new Error(`seed: sheet ${title} must be a list of rows`);
          state.sheets.set(title, [...(state.sheets.get(title) ?? []), ...valuesOf(rows, title)]);
        }
      },
      faultResponse: (status) =>
        status === 429
          ? googleError(429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com'.")
          : status >= 500
            ? googleError(status, status === 503 ? 'UNAVAILABLE' : 'INTERNAL', status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.')
            : googleError(status, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'),
      rateLimit: (setting) => writes.configure(setting),
      expireTokens: () => {
        for (const t of state.tokens.keys()) state.tokens.set(t, 0);
      },
    },
    options,
  );
  origin = server.url;
  return Object.assign(server, { state, spreadsheetId, ...(serviceAccountKey ? { serviceAccountKey: { ...serviceAccountKey, token_uri: `${origin}/token` } } : {}) });
}
