import type { ConnectionSummary } from '../../../../src/api/connections.js';
import type { SyncSample } from '../../../../src/api/syncs.js';
import { CodeEditor } from '../../components/code-editor.js';
import { ErrorBox } from '../../components/error-box.js';
import { useI18n } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { columnName, useDestinationOptions, type SampleState, type StepProps } from './sync-draft.js';

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Rows and their columns as a table (the source's sample). */
export function SampleTable(props: { sample: SyncSample }) {
  const { t } = useI18n();
  const { columns, rows } = props.sample;
  return (
    <div className="scroll-x">
      {/* Focusable, so that a keyboard can scroll a table wider than the screen (on a phone the table itself scrolls). */}
      <table className="table compact" data-testid="sample-table" tabIndex={0} aria-label={t('sync.sample')}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={columnName(c)} scope="col">
                {columnName(c)}
                {typeof c !== 'string' && c.type && <span className="muted small"> {c.type}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={columnName(c)}>{cell(row[columnName(c)])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The source: a connection, then what to read from it: a SQL query (an editor) or a whole table for a database, a
 * stream for an HTTP API; "Preview first rows" reads them as typed (the server runs only reading queries, bounded).
 */
export function SourceStep(props: StepProps & { sample: SampleState; onSample: () => void }) {
  const { t } = useI18n();
  const { draft, onChange, sample } = props;
  const connections = useApi<ConnectionSummary[]>('/api/connections');
  const from = draft.sync.from;
  const chosen = connections.data?.find((c) => c.name === from.connection);
  const http = chosen?.type === 'http';
  const streams = useDestinationOptions(http ? from.connection : undefined);
  const kind = from.table !== undefined ? 'table' : 'sql';

  const setFrom = (next: typeof from) => onChange({ ...draft, sync: { ...draft.sync, from: next } });
  const chooseConnection = (name: string) => {
    const type = connections.data?.find((c) => c.name === name)?.type;
    // An HTTP API is read by a stream, a database by a query: the other side's fields do not carry over.
    setFrom(type === 'http' ? { connection: name, stream: '' } : { connection: name, sql: from.sql ?? '' });
  };

  return (
    <div className="wizard-step" data-testid="source-step">
      <div className="grid">
        <label className="field">
          <span>{t('source.connection')}</span>
          <select name="source-connection" value={from.connection} onChange={(e) => chooseConnection(e.target.value)}>
            <option value="">{t('source.choose')}</option>
            {connections.data?.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.type === 'http' ? c.connector : c.type})
              </option>
            ))}
          </select>
        </label>
        {chosen && !http && (
          <label className="field">
            <span>{t('source.read')}</span>
            <select name="source-kind" value={kind} onChange={(e) => setFrom(e.target.value === 'table' ? { connection: from.connection, table: '' } : { connection: from.connection, sql: '' })}>
              <option value="sql">{t('source.readSql')}</option>
              <option value="table">{t('source.readTable')}</option>
            </select>
          </label>
        )}
        {chosen && !http && kind === 'table' && (
          <label className="field">
            <span>{t('source.table')}</span>
            <input name="source-table" value={from.table ?? ''} onChange={(e) => setFrom({ ...from, table: e.target.value })} />
          </label>
        )}
        {http && (
          <label className="field">
            <span>{t('source.stream')}</span>
            <select name="source-stream" value={from.stream ?? ''} onChange={(e) => setFrom({ ...from, stream: e.target.value })}>
              <option value="">{t('source.chooseStream')}</option>
              {streams?.kind === 'http' && streams.streams.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
        )}
      </div>
      <ErrorBox error={connections.error} />
      {chosen && !http && kind === 'sql' && (
        <div className="field">
          <span>
            {t('source.sql')}
            {draft.sqlFile && <span className="muted"> · {t('source.sqlFile', { file: draft.sqlFile })}</span>}
          </span>
          <CodeEditor value={from.sql ?? ''} onChange={(sql) => setFrom({ ...from, sql })} label={t('source.sql')} testId="source-sql" minLines={5} />
          <span className="muted small">{t('source.sqlHelp')}</span>
        </div>
      )}
      {chosen && (
        <div className="actions">
          <button type="button" onClick={props.onSample} disabled={sample.loading} data-testid="sample-button">
            {sample.loading ? t('source.sampling') : t('source.sampleRows')}
          </button>
        </div>
      )}
      <ErrorBox error={sample.error} testId="sample-error" />
      {sample.result && (
        <div className="sample">
          <h3>{t('sync.sample')}</h3>
          <p className="muted small">{t('source.sampleCount', { n: sample.result.rows.length, max: 20 })}</p>
          {sample.result.rows.length === 0 && <p className="muted">{t('source.noRows')}</p>}
          <SampleTable sample={sample.result} />
        </div>
      )}
    </div>
  );
}
