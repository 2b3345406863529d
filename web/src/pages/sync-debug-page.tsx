import { useState, type FormEvent } from 'react';
import type { DebugExchange, SyncDebug } from '../../../src/api/debug.js';
import { DetailHead } from '../components/detail-head.js';
import { ErrorBox } from '../components/error-box.js';
import { formatTime } from '../format-time.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { useApi } from '../use-api.js';

/** The address of a sync's debugger, opened on a key (and a run) when given. */
export function syncDebugPath(sync: string, key?: string, run?: string): string {
  const query = new URLSearchParams();
  if (key !== undefined) query.set('key', key);
  if (run !== undefined) query.set('run', run);
  const search = query.toString();
  return `/syncs/${encodeURIComponent(sync)}/debug${search ? `?${search}` : ''}`;
}

/** The badge of an outcome: a record refused or not reached reads as a failure. */
const outcomeBadge = (outcome: DebugExchange['outcome']) =>
  ['rejected', 'refused', 'unavailable', 'failed'].includes(outcome) ? 'badge badge-failed' : 'badge badge-succeeded';

/** A request's or response's head lines and body, as the debugger kept them. */
function Message(props: { head: string; headers: Record<string, string>; body: string | null; note?: string }) {
  const lines = [props.head, ...Object.entries(props.headers).map(([k, v]) => `${k}: ${v}`)];
  return (
    <>
      <pre className="code small">{lines.join('\n')}</pre>
      {props.note && <p className="muted small">{props.note}</p>}
      {props.body !== null && props.body !== '' && <pre className="code small" data-testid="debug-body">{props.body}</pre>}
    </>
  );
}

/** One exchange: a summary line that opens on its request and response. */
function Exchange(props: { exchange: DebugExchange; open: boolean }) {
  const { t, lang } = useI18n();
  const e = props.exchange;
  return (
    <details className="card" open={props.open} data-testid="debug-exchange">
      <summary>
        <span className={outcomeBadge(e.outcome)} data-testid="debug-outcome">
          {t(`debug.outcome.${e.outcome}` as 'debug.outcome.delivered')}
        </span>{' '}
        <code>{e.method}</code> {e.status ?? '—'} · {formatTime(e.at, lang)} · {t('debug.attempt', { attempt: e.attempt })} · {e.operation} ({e.endpoint}
        {e.records > 1 ? `, ${t('debug.batch', { records: e.records })}` : ''}) · <code className="small">{e.runId}</code>
      </summary>
      {e.error && <div className="error-box">{e.error}</div>}
      <div className="two-columns">
        <div>
          <h4>{t('debug.request')}</h4>
          <Message
            head={`${e.method} ${e.url}`}
            headers={e.requestHeaders}
            body={e.requestBody}
            note={e.auth ? t('debug.credential', { auth: e.auth }) : undefined}
          />
        </div>
        <div>
          <h4>{t('debug.response')}</h4>
          {e.status === null ? (
            <p className="muted">{t('debug.noResponse')}</p>
          ) : (
            <Message head={`HTTP ${e.status}${e.durationMs === null ? '' : ` (${e.durationMs} ms)`}`} headers={e.responseHeaders} body={e.responseBody} />
          )}
        </div>
      </div>
    </details>
  );
}

/** A sync's debugger: search by record key (and run), list its exchanges newest first, each expandable. */
export function SyncDebugPage(props: { name: string }) {
  const { t } = useI18n();
  // What is shown: the address's key and run at first, then what the form asks (the address follows, for a link to it).
  const [shown, setShown] = useState(() => {
    const params = new URLSearchParams(window.location.search);
    return { key: params.get('key') ?? '', run: params.get('run') ?? '' };
  });
  const [keyText, setKeyText] = useState(shown.key);
  const [runText, setRunText] = useState(shown.run);
  const { key, run } = shown;
  const path = key ? `/api/syncs/${encodeURIComponent(props.name)}/debug?${new URLSearchParams(run ? { key, run } : { key }).toString()}` : null;
  const { data, error, loading } = useApi<SyncDebug>(path);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!keyText) return;
    setShown({ key: keyText, run: runText });
    navigate(syncDebugPath(props.name, keyText, runText || undefined), { replace: true });
  };

  return (
    <div className="page" data-testid="sync-debug-page">
      <DetailHead back={{ to: `/syncs/${encodeURIComponent(props.name)}`, label: props.name }} title={t('debug.title')} />
      <form className="card" onSubmit={submit}>
        <label className="field">
          <span>{t('debug.key')}</span>
          <input value={keyText} onChange={(e) => setKeyText(e.target.value)} placeholder={t('debug.keyPlaceholder')} maxLength={65_536} data-testid="debug-key" required />
        </label>
        <label className="field">
          <span>{t('debug.run')}</span>
          <input value={runText} onChange={(e) => setRunText(e.target.value)} maxLength={100} data-testid="debug-run" />
        </label>
        <button type="submit" className="primary" disabled={loading || !keyText} data-testid="debug-search">
          {loading ? t('debug.searching') : t('debug.search')}
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      {data && (
        <section data-testid="debug-result">
          <p className="muted">{data.retentionDays === 0 ? t('debug.off') : t('debug.intro', { days: data.retentionDays })}</p>
          {data.note !== null && <p className="notice" data-testid="debug-note">{data.note}</p>}
          {data.exchanges.length > 0 && (
            <h2>{data.exchanges.length === 1 ? t('debug.countOne') : t('debug.count', { count: data.exchanges.length })}</h2>
          )}
          {data.exchanges.map((e, i) => (
            <Exchange key={`${e.runId}-${e.at}-${i}`} exchange={e} open={i === 0} />
          ))}
          {data.more && <p className="muted">{t('debug.more')}</p>}
        </section>
      )}
    </div>
  );
}
