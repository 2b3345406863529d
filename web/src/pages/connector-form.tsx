import { useState } from 'react';
import { CodeEditor } from '../components/code-editor.js';
import { EndpointTabs, endpointPanelId, endpointTabId } from '../components/endpoint-tabs.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { editYamlField } from '../edit-yaml-field.js';
import { useI18n } from '../i18n.js';

type Obj = Record<string, unknown>;

const AUTH_TYPES = ['none', 'api_key', 'basic', 'bearer', 'oauth2', 'oauth2_client_credentials'] as const;
const OPERATIONS = ['create', 'update', 'upsert', 'delete', 'lookup'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The auth kinds of a spec as a list (the spec allows one object or a list). */
export function authList(spec: Obj): Obj[] {
  const auth = spec.auth;
  if (Array.isArray(auth)) return auth.map(obj);
  return auth ? [obj(auth)] : [];
}

/** A text field bound to one YAML path. */
function Field(props: { label: string; value: unknown; onChange: (v: string) => void; placeholder?: string; name?: string; wide?: boolean }) {
  return (
    <label className={props.wide ? 'field wide' : 'field'}>
      <span>{props.label}</span>
      <input name={props.name} value={str(props.value)} placeholder={props.placeholder} onChange={(e) => props.onChange(e.target.value)} />
    </label>
  );
}

function Select(props: { label: string; value: unknown; options: readonly string[]; onChange: (v: string) => void; name?: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select name={props.name} value={str(props.value)} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The fields one auth kind takes, bound to its entry in the list. */
function AuthKindFields(props: { kind: Obj; set: (field: string, value: unknown) => void }) {
  const { t } = useI18n();
  const { kind, set } = props;
  const scopes = Array.isArray(kind.scopes) ? (kind.scopes as unknown[]).map(str).join(' ') : str(kind.scopes);
  const setScopes = (v: string) => set('scopes', v.trim() === '' ? undefined : v.split(/\s+/).filter(Boolean));
  switch (kind.type) {
    case 'api_key':
      return (
        <>
          <Select label={t('connector.auth.in')} value={kind.in ?? 'header'} options={['header', 'query']} onChange={(v) => set('in', v)} />
          <Field label={t('connector.auth.paramName')} value={kind.name} placeholder="Authorization" onChange={(v) => set('name', v)} />
        </>
      );
    case 'bearer':
      return (
        <>
          <Field label={t('connector.auth.header')} value={kind.header} placeholder="Authorization" onChange={(v) => set('header', v)} />
          <Field label={t('connector.auth.scheme')} value={kind.scheme} placeholder="Bearer" onChange={(v) => set('scheme', v)} />
        </>
      );
    case 'basic':
      return <Field label={t('connector.auth.header')} value={kind.header} placeholder="Authorization" onChange={(v) => set('header', v)} />;
    case 'oauth2':
      return (
        <>
          <Field wide label={t('connector.auth.authorizationUrl')} name="authorization_url" value={kind.authorization_url} onChange={(v) => set('authorization_url', v)} />
          <Field wide label={t('connector.auth.tokenUrl')} name="token_url" value={kind.token_url} onChange={(v) => set('token_url', v)} />
          <Field label={t('connector.auth.scopes')} value={scopes} onChange={setScopes} />
        </>
      );
    case 'oauth2_client_credentials':
      return (
        <>
          <Field wide label={t('connector.auth.tokenUrl')} name="token_url" value={kind.token_url} onChange={(v) => set('token_url', v)} />
          <Field label={t('connector.auth.scopes')} value={scopes} onChange={setScopes} />
        </>
      );
    default:
      return null;
  }
}

/** The form view of a connector spec: every edit rewrites the YAML text (the one source of truth). */
export function ConnectorForm(props: {
  text: string;
  spec: Obj;
  onChange: (text: string) => void;
  endpoint: string | null;
  onSelectEndpoint: (name: string | null) => void;
}) {
  const { t } = useI18n();
  const { spec, text } = props;
  const [newEndpoint, setNewEndpoint] = useState('');
  const set = (path: (string | number)[], value: unknown) => props.onChange(editYamlField(text, path, value));

  const auth = authList(spec);
  const setAuth = (list: Obj[]) => set(['auth'], list.length === 0 ? undefined : list);
  const endpoints = obj(spec.endpoints);
  const names = Object.keys(endpoints);
  const selected = props.endpoint && names.includes(props.endpoint) ? props.endpoint : (names[0] ?? null);
  const ep = selected ? obj(endpoints[selected]) : null;
  const setEp = (field: (string | number)[], value: unknown) => selected && set(['endpoints', selected, ...field], value);
  const batch = ep ? obj(ep.batch) : {};
  const response = ep ? obj(ep.response) : {};

  const addEndpoint = () => {
    const name = newEndpoint.trim();
    if (!/^[A-Za-z_][\w-]*$/.test(name) || names.includes(name)) return;
    set(['endpoints', name], { operation: 'create', method: 'POST', path: '/', headers: { 'Content-Type': 'application/json' } });
    setNewEndpoint('');
    props.onSelectEndpoint(name);
  };

  return (
    <div className="connector-form">
      <section className="card">
        <h2>{t('connector.general')}</h2>
        <div className="grid">
          <Field label={t('connector.name')} name="name" value={spec.name} onChange={(v) => set(['name'], v)} placeholder="my_api" />
          <Field label={t('connector.title')} name="title" value={spec.title} onChange={(v) => set(['title'], v)} />
          <Field wide label={t('connector.baseUrl')} name="base_url" value={spec.base_url} onChange={(v) => set(['base_url'], v)} placeholder="https://api.example.com" />
        </div>
      </section>

      <section className="card">
        <h2>{t('connector.auth')}</h2>
        {auth.map((kind, i) => (
          <div className="auth-kind grid" key={i} data-testid={`auth-kind-${i}`}>
            <Select
              label={t('connector.auth.type')}
              name="auth_type"
              value={kind.type ?? 'none'}
              options={AUTH_TYPES}
              onChange={(v) => setAuth(auth.map((k, j) => (j === i ? { type: v } : k)))}
            />
            <AuthKindFields kind={kind} set={(field, value) => setAuth(auth.map((k, j) => (j === i ? withField(k, field, value) : k)))} />
            <button type="button" className="icon-button align-end" aria-label={t('common.remove')} title={t('common.remove')} onClick={() => setAuth(auth.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        ))}
        <button type="button" className="small" onClick={() => setAuth([...auth, { type: 'api_key', in: 'header', name: 'X-Api-Key' }])}>
          + {t('connector.auth.add')}
        </button>
      </section>

      <section className="card">
        <h2>{t('connector.endpoints')}</h2>
        <div className="tabs">
          <EndpointTabs label={t('connector.endpoints')} names={names} selected={selected} onSelect={props.onSelectEndpoint} />
          <span className="tab-add">
            <input aria-label={t('connector.endpoint.newName')} placeholder={t('connector.endpoint.newName')} value={newEndpoint} onChange={(e) => setNewEndpoint(e.target.value)} />
            <button type="button" className="small" onClick={addEndpoint} disabled={!newEndpoint.trim()}>
              + {t('connector.endpoint.add')}
            </button>
          </span>
        </div>
        {!ep && <p className="muted">{t('connector.endpoint.none')}</p>}
        {ep && selected && (
          <div className="endpoint" data-testid="endpoint-form" role="tabpanel" id={endpointPanelId} aria-labelledby={endpointTabId(names.indexOf(selected))}>
            <div className="grid">
              <Select label={t('connector.endpoint.operation')} name="operation" value={ep.operation ?? 'create'} options={OPERATIONS} onChange={(v) => setEp(['operation'], v)} />
              <Select
                label={t('connector.endpoint.request')}
                name="request"
                value={ep.request ?? 'single'}
                options={['single', 'batch']}
                onChange={(v) => props.onChange(switchRequestKind(text, selected, v))}
              />
              <Select label={t('connector.endpoint.method')} name="method" value={ep.method ?? 'POST'} options={METHODS} onChange={(v) => setEp(['method'], v)} />
              <Field wide label={t('connector.endpoint.path')} name="path" value={ep.path} onChange={(v) => setEp(['path'], v)} placeholder="/records" />
            </div>
            <div className="field wide">
              <span>{t('connector.endpoint.headers')}</span>
              <KeyValueEditor value={obj(ep.headers)} onChange={(v) => setEp(['headers'], v)} keyLabel={t('connector.endpoint.headerName')} valueLabel={t('connector.endpoint.headerValue')} testId="headers" />
            </div>
            {ep.request === 'batch' ? (
              <div className="grid">
                <label className="field">
                  <span>{t('connector.endpoint.batchSize')}</span>
                  <input type="number" min={1} name="batch_size" value={str(batch.size)} onChange={(e) => setEp(['batch', 'size'], e.target.value === '' ? undefined : Number(e.target.value))} />
                </label>
                <div className="field wide">
                  <span>{t('connector.endpoint.batchItem')}</span>
                  <CodeEditor label={t('connector.endpoint.batchItem')} value={str(batch.item)} onChange={(v) => setEp(['batch', 'item'], v)} minLines={3} testId="batch-item-editor" />
                </div>
                <div className="field wide">
                  <span>{t('connector.endpoint.batchBody')}</span>
                  <CodeEditor label={t('connector.endpoint.batchBody')} value={str(batch.body)} onChange={(v) => setEp(['batch', 'body'], v)} minLines={2} testId="batch-body-editor" />
                </div>
              </div>
            ) : (
              <div className="field wide">
                <span>{t('connector.endpoint.body')}</span>
                <CodeEditor label={t('connector.endpoint.body')} value={typeof ep.body === 'string' ? ep.body : ep.body ? JSON.stringify(ep.body, null, 2) : ''} onChange={(v) => setEp(['body'], v)} minLines={5} testId="body-editor" />
                <small className="muted">{t('connector.endpoint.bodyHelp')}</small>
              </div>
            )}
            <div className="grid">
              <Field wide label={t('connector.endpoint.recordId')} name="record_id" value={response.record_id} onChange={(v) => setEp(['response', 'record_id'], v)} placeholder="{{ response.body.id }}" />
            </div>
            <button
              type="button"
              className="danger small"
              onClick={() => {
                set(['endpoints', selected], undefined);
                props.onSelectEndpoint(null);
              }}
            >
              {t('connector.endpoint.remove')}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

function withField(kind: Obj, field: string, value: unknown): Obj {
  const next = { ...kind };
  if (value === undefined || value === '') delete next[field];
  else next[field] = value;
  return next;
}

/** Single ↔ batch: a batch endpoint needs `batch.item`; a single one has no `batch`. */
function switchRequestKind(text: string, endpoint: string, kind: string): string {
  if (kind === 'batch') {
    const withKind = editYamlField(text, ['endpoints', endpoint, 'request'], 'batch');
    return editYamlField(withKind, ['endpoints', endpoint, 'batch'], { size: 100, item: '{{ row | json }}', body: '{{ items }}' });
  }
  return editYamlField(editYamlField(text, ['endpoints', endpoint, 'batch'], undefined), ['endpoints', endpoint, 'request'], undefined);
}
