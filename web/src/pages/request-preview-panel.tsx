import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api-client.js';
import type { BuilderRequest, BuilderResponse } from '../../../src/api/builder.js';
import type { ConfigIssue } from '../../../src/api/config-issue.js';
import type { ConnectionSummary } from '../../../src/api/connections.js';
import type { SyncSummary } from '../../../src/api/syncs.js';
import { ApiError } from '../api-error.js';
import { isLocalApi } from '../local-api-host.js';
import { ErrorBox } from '../components/error-box.js';
import { SelectField } from '../components/select-field.js';
import { useI18n } from '../i18n.js';
import { useApi } from '../use-api.js';

/** The rows a new builder starts with. */
export const DEFAULT_ROWS = '[\n  { "id": 1, "name": "Ada Lovelace", "email": "ada@example.com" }\n]';

/** How many rows "Load sample rows" reads from a sync (the server bounds it too). */
const SAMPLE_ROWS = 5;

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : url);

/** Sample rows typed as JSON: one object or a list of objects. */
export function parseRows(text: string): { rows: Record<string, unknown>[] | null; error: string | null } {
  try {
    const value: unknown = JSON.parse(text);
    const rows = Array.isArray(value) ? value : [value];
    if (rows.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) return { rows: null, error: 'each row is a JSON object' };
    return { rows: rows as Record<string, unknown>[], error: null };
  } catch (e) {
    return { rows: null, error: e instanceof Error ? e.message : String(e) };
  }
}

function parseConfig(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The live preview: sample rows → rendered requests (debounced, on every edit), and "send test request". */
export function RequestPreviewPanel(props: {
  yaml: string;
  endpoints: string[];
  endpoint: string | null;
  onSelectEndpoint: (name: string) => void;
  rowsText: string;
  onRowsText: (text: string) => void;
  /** The spec's issues the last render found (the YAML view marks their lines). */
  onSpecIssues?: (issues: ConfigIssue[]) => void;
}) {
  const { t } = useI18n();
  const connections = useApi<ConnectionSummary[]>('/api/connections');
  const syncs = useApi<SyncSummary[]>('/api/syncs');
  const { rowsText, onRowsText: setRowsText } = props;
  const [sampleSync, setSampleSync] = useState('');
  const [sampling, setSampling] = useState(false);
  const [sampleError, setSampleError] = useState<unknown>(null);
  const [sampled, setSampled] = useState<{ sync: string; count: number } | null>(null);
  const [confirming, setConfirming] = useState<BuilderRequest | null>(null);
  const onSpecIssues = useRef(props.onSpecIssues);
  onSpecIssues.current = props.onSpecIssues;
  const [configText, setConfigText] = useState('{}');
  const [connection, setConnection] = useState('');
  const [rendered, setRendered] = useState<BuilderRequest[] | null>(null);
  const [renderError, setRenderError] = useState<unknown>(null);
  const [rendering, setRendering] = useState(false);
  const [sent, setSent] = useState<BuilderResponse | null>(null);
  const [sendError, setSendError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  const endpoint = props.endpoint && props.endpoints.includes(props.endpoint) ? props.endpoint : (props.endpoints[0] ?? null);
  const rows = useMemo(() => parseRows(rowsText), [rowsText]);
  const config = useMemo(() => parseConfig(configText), [configText]);
  const input = useMemo(
    () =>
      endpoint && rows.rows && config
        ? { yaml: props.yaml, endpoint, rows: rows.rows, config, ...(connection ? { connection } : {}) }
        : null,
    [props.yaml, endpoint, rows.rows, config, connection],
  );

  useEffect(() => {
    if (!input) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setRendering(true);
      api<{ requests: BuilderRequest[] }>('/api/connectors/render', { method: 'POST', body: input, signal: controller.signal })
        .then((result) => {
          setRendered(result.requests);
          setRenderError(null);
          onSpecIssues.current?.([]);
        })
        .catch((e: unknown) => {
          if (controller.signal.aborted) return;
          setRendered(null);
          setRenderError(e);
          onSpecIssues.current?.(e instanceof ApiError ? e.issues : []);
        })
        .finally(() => {
          if (!controller.signal.aborted) setRendering(false);
        });
    }, 350);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [input]);

  // A write to a real API (not this machine or a private network) is sent only once the user says so.
  const firstWrite = (rendered ?? []).find((r) => !r.error && !['GET', 'HEAD', 'OPTIONS'].includes(r.method.toUpperCase()) && !isLocalApi(r.url));
  const askOrSend = () => {
    if (firstWrite) setConfirming(firstWrite);
    else void send();
  };

  const loadSample = async () => {
    if (!sampleSync) return;
    setSampling(true);
    setSampleError(null);
    setSampled(null);
    try {
      const sample = await api<{ rows: Record<string, unknown>[] }>(`/api/syncs/${encodeURIComponent(sampleSync)}/sample?limit=${SAMPLE_ROWS}`);
      setRowsText(JSON.stringify(sample.rows, null, 2));
      setSampled({ sync: sampleSync, count: sample.rows.length });
    } catch (e) {
      setSampleError(e);
    } finally {
      setSampling(false);
    }
  };

  const send = async () => {
    setConfirming(null);
    if (!input) return;
    setSending(true);
    setSent(null);
    setSendError(null);
    try {
      setSent(await api<BuilderResponse>('/api/connectors/send', { method: 'POST', body: input }));
    } catch (e) {
      setSendError(e);
    } finally {
      setSending(false);
    }
  };

  const httpConnections = (connections.data ?? []).filter((c) => c.type === 'http');

  return (
    <aside className="card preview-panel" data-testid="preview-panel">
      <h2>
        {t('preview.title')} {rendering && <span className="spinner" role="img" aria-label={t('common.loading')} />}
      </h2>
      <div className="grid">
        <SelectField label={t('preview.endpoint')} name="preview_endpoint" value={endpoint ?? ''} options={props.endpoints} onChange={props.onSelectEndpoint} />
        <SelectField
          label={t('preview.connection')}
          name="preview_connection"
          value={connection}
          options={httpConnections.map((c) => c.name)}
          blank={t('preview.noConnection')}
          onChange={setConnection}
        />
      </div>
      <div className="sample-from-sync">
        <SelectField label={t('preview.fromSync')} name="sample_sync" value={sampleSync} options={(syncs.data ?? []).map((s) => s.name)} blank="—" onChange={setSampleSync} />
        <button type="button" className="small" onClick={() => void loadSample()} disabled={!sampleSync || sampling}>
          {sampling ? t('preview.loadingSample') : t('preview.loadSample')}
        </button>
      </div>
      <ErrorBox error={sampleError} testId="sample-error" />
      {sampled && (
        <p className="muted small" role="status" data-testid="sample-loaded">
          {t('preview.sampleLoaded', { count: sampled.count, sync: sampled.sync })}
        </p>
      )}
      <label className="field wide">
        <span>{t('preview.rows')}</span>
        <textarea name="sample_rows" className="mono" rows={6} spellCheck={false} value={rowsText} onChange={(e) => setRowsText(e.target.value)} />
      </label>
      {rows.error && <div className="error-box">{t('preview.rowsInvalid', { error: rows.error })}</div>}
      <label className="field wide">
        <span>{t('preview.config')}</span>
        <textarea name="sample_config" className="mono" rows={2} spellCheck={false} value={configText} onChange={(e) => setConfigText(e.target.value)} />
      </label>
      {!config && <div className="error-box">{t('preview.configInvalid')}</div>}
      {!endpoint && <p className="muted">{t('preview.noEndpoint')}</p>}

      <h3>{t('preview.requests')}</h3>
      <ErrorBox error={renderError} testId="render-error" />
      <div data-testid="rendered-requests">
        {(rendered ?? []).map((r, i) => (
          <div className="rendered" key={i}>
            {r.error ? (
              <div className="error-box" data-testid="request-error">
                {r.error}
              </div>
            ) : null}
            {r.curl && <pre className="code" data-testid="curl">{r.curl}</pre>}
          </div>
        ))}
      </div>

      <div className="actions">
        <button type="button" className="primary" onClick={askOrSend} disabled={!input || sending || confirming !== null}>
          {sending ? t('preview.sending') : t('preview.send')}
        </button>
      </div>
      {confirming && (
        <div className="notice notice-warn" role="alertdialog" aria-labelledby="send-confirm-title" aria-describedby="send-confirm-text" data-testid="send-confirm">
          <strong id="send-confirm-title">{t('preview.confirmTitle')}</strong>
          <p id="send-confirm-text">{t('preview.confirmText', { method: confirming.method.toUpperCase(), url: confirming.url, host: hostOf(confirming.url) })}</p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => void send()}>
              {t('preview.confirmSend')}
            </button>
            <button type="button" autoFocus onClick={() => setConfirming(null)}>
              {t('preview.cancel')}
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={sendError} testId="send-error" />
      {sent && (
        <div className="sent" data-testid="sent-response">
          <div className="sent-status">
            {sent.status !== null ? (
              <span className={sent.status < 300 ? 'badge badge-succeeded' : 'badge badge-failed'}>HTTP {sent.status}</span>
            ) : (
              <span className="badge badge-failed">{t('preview.notSent')}</span>
            )}
            {sent.ms !== null && <span className="muted">{sent.ms} ms</span>}
            {sent.results.map((r) => (
              <span key={r.key} className={r.ok ? 'ok-text small' : 'error-text small'} data-testid="sent-result">
                {r.ok ? '✓' : '✗'} {r.ok ? (r.remote_id ? t('preview.remoteId', { id: r.remote_id }) : t('preview.accepted')) : r.error === sent.error ? r.key : r.error}
              </span>
            ))}
          </div>
          {/* A row's error that is the send's own error is shown once, here (the row shows its key). */}
          {sent.error && <div className="error-box">{sent.error}</div>}
          <h4>{t('preview.sentRequest')}</h4>
          <pre className="code">{sent.curl}</pre>
          {sent.status !== null && (
            <>
              <h4>{t('preview.responseHeaders')}</h4>
              <pre className="code small">{Object.entries(sent.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
              <h4>{t('preview.responseBody')}</h4>
              <pre className="code" data-testid="sent-body">
                {typeof sent.body === 'string' ? sent.body : JSON.stringify(sent.body, null, 2)}
              </pre>
            </>
          )}
        </div>
      )}
    </aside>
  );
}
