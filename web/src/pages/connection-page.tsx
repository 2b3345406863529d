import { useEffect, useState } from 'react';
import { api } from '../api-client.js';
import { connectionTypes, type ConnectionObject, type ConnectionTestResult } from '../../../src/api/connections.js';
import { authTypes, type ConnectorSummary } from '../../../src/api/connectors.js';
import { connectionTestState } from '../connection-test-state.js';
import { DetailHead } from '../components/detail-head.js';
import { ErrorBox } from '../components/error-box.js';
import { SelectField } from '../components/select-field.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { UnsavedMarker } from '../components/unsaved-marker.js';
import { useI18n, type MessageKey } from '../i18n.js';
import { navigate, useFlash } from '../router.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';
import { useApi } from '../use-api.js';
import { sameSettings } from '../same-settings.js';
import { useUnsavedEdits } from '../use-unsaved-edits.js';

type Obj = Record<string, unknown>;

/** The fields of each connection type: [key, label, secret?]. */
const TYPE_FIELDS: Record<string, [string, MessageKey, boolean?][]> = {
  duckdb: [['path', 'connection.path']],
  sqlite: [['path', 'connection.path']],
  postgres: [['url', 'connection.url', true]],
  mysql: [['url', 'connection.url', true]],
  bigquery: [
    ['project_id', 'connection.projectId'],
    ['location', 'connection.location'],
    ['credentials', 'connection.credentials'],
    ['access_token', 'connection.accessToken', true],
    ['api_endpoint', 'connection.apiEndpoint'],
  ],
  http: [['base_url', 'connection.baseUrl']],
};

/** The credentials each auth kind takes. */
const AUTH_FIELDS: Record<string, [string, MessageKey, boolean?][]> = {
  api_key: [['key', 'connection.auth.key', true]],
  basic: [
    ['username', 'connection.auth.username'],
    ['password', 'connection.auth.password', true],
  ],
  bearer: [['token', 'connection.auth.token', true]],
  oauth2: [
    ['client_id', 'connection.auth.clientId'],
    ['client_secret', 'connection.auth.clientSecret', true],
    ['redirect_uri', 'connection.auth.redirectUri'],
  ],
  oauth2_client_credentials: [
    ['client_id', 'connection.auth.clientId'],
    ['client_secret', 'connection.auth.clientSecret', true],
  ],
  none: [],
};

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const isEntry = (v: unknown): v is ConnectionObject => !!v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Obj).type === 'string';

/** The connection as written in sluice.yaml inside a GET answer (`{ name, type, ..., config: <entry> }`). */
function unwrap(data: Obj): ConnectionObject {
  if (isEntry(data.config)) return data.config;
  if (isEntry(data.connection)) return data.connection;
  const { name: _name, ...rest } = data;
  return rest as ConnectionObject;
}

function without(o: Obj, key: string, value: unknown): Obj {
  const next = { ...o };
  if (value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next;
}

/** What the connector field takes: a built-in connector's name, or the path of one of the project's own specs. */
const connectorRef = (c: ConnectorSummary) => (c.builtin || !c.file ? c.name : c.file.startsWith('.') || c.file.startsWith('/') ? c.file : `./${c.file}`);

/** The connection with a project connector named by its name (as the connectors list shows it) named by its path. */
function withConnectorPath(conn: ConnectionObject, connectors: ConnectorSummary[] | null | undefined): ConnectionObject {
  if (conn.type !== 'http' || typeof conn.connector !== 'string') return conn;
  const named = (connectors ?? []).filter((c) => c.name === conn.connector);
  if (named.some((c) => c.builtin) || named.length !== 1) return conn;
  return { ...conn, connector: connectorRef(named[0]!) };
}

/** The connector a connection names: by a built-in's name or a project spec's path, or by its name as typed. */
function connectorNamed(ref: unknown, connectors: ConnectorSummary[] | null | undefined): ConnectorSummary | undefined {
  if (typeof ref !== 'string') return undefined;
  return (connectors ?? []).find((c) => connectorRef(c) === ref) ?? (connectors ?? []).find((c) => c.name === ref);
}

const NEW_CONNECTION: ConnectionObject = { type: 'duckdb', path: 'data/warehouse.duckdb' };

/** Creates or edits one connection; saving writes it into sluice.yaml (PUT), secrets are write-only. */
export function ConnectionPage(props: { name: string | null }) {
  const { t } = useI18n();
  const [name, setName] = useState(props.name ?? '');
  const [conn, setConn] = useState<ConnectionObject | null>(props.name === null ? NEW_CONNECTION : null);
  // The connection as last loaded or saved (a new one: the form as it opened); the test uses the saved one.
  const [savedConn, setSavedConn] = useState<ConnectionObject | null>(props.name === null ? NEW_CONNECTION : null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loadAttempt, setLoadAttempt] = useState(0);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState(useFlash() !== null);
  const [saving, setSaving] = useState(false);
  const [test, setTest] = useState<ConnectionTestResult | null>(null);
  const [testError, setTestError] = useState<unknown>(null);
  const connectors = useApi<ConnectorSummary[]>('/api/connectors');

  useEffect(() => {
    if (props.name === null) return;
    api<Obj>(`/api/connections/${encodeURIComponent(props.name)}`)
      .then((data) => {
        setConn(unwrap(data));
        setSavedConn(unwrap(data));
      })
      .catch(setLoadError);
  }, [props.name, loadAttempt]);
  useLoadAgainWhenBack(loadError, () => {
    setLoadError(null);
    setLoadAttempt((n) => n + 1);
  });

  const dirty = conn !== null && (!sameSettings(conn, savedConn) || name !== (props.name ?? ''));
  const nameValid = /^[A-Za-z_][\w-]*$/.test(name);

  const save = async () => {
    if (!conn || saving || !nameValid) return;
    setSaving(true);
    setSaveError(null);
    setSaved(false);
    try {
      const toSave = withConnectorPath(conn, connectors.data);
      await api(`/api/connections/${encodeURIComponent(name)}`, { method: 'PUT', body: toSave });
      setConn(toSave);
      setSavedConn(toSave);
      setSaved(true);
      if (name !== props.name) navigate(`/connections/${encodeURIComponent(name)}`, { replace: true, flash: 'saved', afterSave: true });
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };
  useUnsavedEdits(dirty, () => void save());

  // A new connection whose connector takes one kind of credentials asks for those at once (also when the list of
  // connectors arrives after the connector was typed).
  const kinds = connectorNamed(conn?.connector, connectors.data)?.auth ?? [];
  const onlyKind = kinds.length === 1 && kinds[0] !== 'none' ? kinds[0] : undefined;
  const noAuth = !conn?.auth || (conn.auth as Obj).type === 'none';
  useEffect(() => {
    if (props.name === null && onlyKind && noAuth) setConn((c) => (c ? ({ ...c, auth: { type: onlyKind } } as ConnectionObject) : c));
  }, [props.name, onlyKind, noAuth]);

  if (loadError) return <div className="page"><ErrorBox error={loadError} /></div>;
  if (!conn) return <div className="page muted">{t('common.loading')}</div>;

  const auth = (conn.auth && typeof conn.auth === 'object' ? conn.auth : { type: 'none' }) as Obj;
  const authType = str(auth.type) || 'none';
  const set = (key: string, value: unknown) => {
    setSaved(false);
    setConn(without(conn, key, value) as ConnectionObject);
  };
  const setAuth = (key: string, value: unknown) => set('auth', without(auth, key, value));
  const connector = connectorNamed(conn.connector, connectors.data);
  // The kinds of credentials the connector declares (all kinds while it is not known), and the one set, whatever it is.
  const offered: readonly string[] = connector && connector.auth.length > 0 ? connector.auth : authTypes;
  const authOptions = offered.includes(authType) ? offered : [authType, ...offered];
  const secretInput = (value: unknown, onChange: (v: string) => void, label: string, key: string) => (
    <input
      type="password"
      name={key}
      aria-label={label}
      autoComplete="new-password"
      value={str(value)}
      placeholder={t('connection.secretPlaceholder')}
      onChange={(e) => onChange(e.target.value)}
    />
  );

  const runTest = async () => {
    setTest(null);
    setTestError(null);
    try {
      setTest(await api<ConnectionTestResult>(`/api/connections/${encodeURIComponent(name)}/test`, { method: 'POST' }));
    } catch (e) {
      setTestError(e);
    }
  };

  const tested = test ? connectionTestState(test) : null;
  return (
    <div className="page">
      <DetailHead
        back={{ to: '/connections', label: t('nav.connections') }}
        title={props.name ?? t('connection.newTitle')}
        actions={
          <>
            {props.name !== null && (
              // The test route reads the connection from sluice.yaml: with edits unsaved, the button says so.
              <button type="button" onClick={() => void runTest()} title={dirty ? t('connection.testsSavedHint') : undefined} data-testid="test-button">
                {dirty ? t('connection.testSaved') : t('connections.test')}
              </button>
            )}
            <UnsavedMarker dirty={dirty} />
            <button type="button" className="primary" disabled={saving || !nameValid} onClick={() => void save()} aria-keyshortcuts="Control+S Meta+S">
              {saving ? t('common.saving') : t('common.save')}
            </button>
          </>
        }
      />
      <ErrorBox error={saveError} testId="save-error" />
      {saved && !dirty && <div className="notice" role="status" data-testid="saved">{t('connection.saved')}</div>}
      {test && tested && (
        <div className={{ ok: 'notice', unverified: 'notice notice-warn', failed: 'error-box' }[tested.state]} data-testid="test-result" data-state={tested.state}>
          <span aria-hidden="true">{tested.sign}</span> {test.message} <span className="muted">({test.ms} ms)</span>
        </div>
      )}
      <ErrorBox error={testError} />
      <section className="card">
        <div className="grid">
          <label className="field">
            <span>{t('common.name')}</span>
            <input name="connection_name" value={name} disabled={props.name !== null} onChange={(e) => setName(e.target.value)} />
          </label>
          <SelectField label={t('connections.type')} name="connection_type" value={conn.type} options={connectionTypes} onChange={(v) => setConn({ type: v })} />
          {conn.type === 'http' && (
            <label className="field">
              <span>{t('connections.connector')}</span>
              <input name="connector" list="connector-names" value={str(conn.connector)} onChange={(e) => set('connector', e.target.value)} />
              <datalist id="connector-names">
                {(connectors.data ?? []).map((c) => (
                  <option key={`${c.name}:${c.file ?? ''}`} value={connectorRef(c)} label={c.builtin ? c.title ?? c.name : c.name} />
                ))}
              </datalist>
            </label>
          )}
          {(TYPE_FIELDS[conn.type] ?? []).map(([key, label, secret]) => (
            <label className="field wide" key={key}>
              <span>{t(label)}</span>
              {secret ? secretInput(conn[key], (v) => set(key, v), t(label), key) : <input name={key} value={str(conn[key])} onChange={(e) => set(key, e.target.value)} />}
            </label>
          ))}
        </div>
      </section>
      {conn.type === 'http' && (
        <>
          <section className="card">
            <h2>{t('connection.config')}</h2>
            <KeyValueEditor
              value={(conn.config ?? {}) as Obj}
              onChange={(v) => set('config', v)}
              keyLabel={t('connection.configKey')}
              valueLabel={t('connection.configValue')}
            />
          </section>
          <section className="card">
            <h2>{t('connection.auth')}</h2>
            <div className="grid">
              <SelectField label={t('connector.auth.type')} name="auth_type" value={authType} options={authOptions} onChange={(v) => set('auth', { type: v })} />
              {(AUTH_FIELDS[authType] ?? []).map(([key, label, secret]) => (
                <label className="field" key={key}>
                  <span>{t(label)}</span>
                  {secret ? secretInput(auth[key], (v) => setAuth(key, v), t(label), key) : <input name={key} value={str(auth[key])} onChange={(e) => setAuth(key, e.target.value)} />}
                </label>
              ))}
            </div>
            {connector && connector.auth.length > 0 && (
              <p className="muted small" data-testid="connector-auth">
                {t('connection.authOfConnector', { connector: connector.name, kinds: connector.auth.join(', ') })}
              </p>
            )}
            {authType === 'oauth2' && <p className="muted small">{t('connection.oauthHelp')}</p>}
          </section>
        </>
      )}
    </div>
  );
}
