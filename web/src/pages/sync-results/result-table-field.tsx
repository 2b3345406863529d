import type { ConfigIssue } from '../../../../src/api/config-issue.js';
import type { ConnectionSummary } from '../../../../src/api/connections.js';
import { useI18n } from '../../i18n.js';
import { FieldIssues, issuesAt, issuesExactlyAt } from './field-issues.js';
import { RESULT_TABLE_NAME } from './result-table-name.js';

/** The connection types Sluice writes tables into (BigQuery it only reads). */
export const WRITABLE_DATABASES: readonly string[] = ['postgres', 'mysql', 'sqlite', 'duckdb'];

/** `write_back:` or `run_log:` as sluice.yaml holds it. */
export type ResultTable = { connection: string; table: string };

/**
 * A table the sync keeps in a database of the project (`write_back` or `run_log`): off, or a database connection and
 * a table name, checked as typed; the server's problems with either show under it.
 */
export function ResultTableField(props: {
  setting: 'write_back' | 'run_log';
  value: ResultTable | undefined;
  onChange: (value: ResultTable | undefined) => void;
  connections: readonly ConnectionSummary[];
  defaultTable: string;
  issues: readonly ConfigIssue[];
  /** The setting's key path in sluice.yaml (`syncs.orders.write_back`), where the server's issues are. */
  path: string;
}) {
  const { t } = useI18n();
  const { setting, value } = props;
  const databases = props.connections.filter((c) => WRITABLE_DATABASES.includes(c.type));
  // A connection sluice.yaml names that is not (or no longer) a database stays choosable, and the server says why.
  const named = value && !databases.some((c) => c.name === value.connection) ? [value.connection] : [];
  const table = value?.table ?? '';
  const tableInvalid = value !== undefined && table !== '' && !RESULT_TABLE_NAME.test(table);
  const choose = (connection: string) => props.onChange(connection === '' ? undefined : { connection, table: value?.table || props.defaultTable });

  return (
    <div className="grid" data-testid={`${setting}-field`}>
      <label className="field">
        <span>{t('results.connection')}</span>
        <select name={`${setting}-connection`} value={value?.connection ?? ''} onChange={(e) => choose(e.target.value)}>
          <option value="">{t('results.off')}</option>
          {named.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
          {databases.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.type})
            </option>
          ))}
        </select>
        <FieldIssues issues={[...issuesAt(props.issues, `${props.path}.connection`), ...issuesExactlyAt(props.issues, props.path)]} testId={`${setting}-connection-issue`} />
      </label>
      {value && (
        <label className="field">
          <span>{t('results.table')}</span>
          <input
            name={`${setting}-table`}
            value={table}
            maxLength={127}
            aria-invalid={tableInvalid || undefined}
            onChange={(e) => props.onChange({ connection: value.connection, table: e.target.value.trim() })}
            placeholder={props.defaultTable}
          />
          {tableInvalid && (
            <span className="error-text small" data-testid={`${setting}-table-invalid`}>
              {t('results.tableInvalid')}
            </span>
          )}
          <FieldIssues issues={issuesAt(props.issues, `${props.path}.table`)} testId={`${setting}-table-issue`} />
        </label>
      )}
      {databases.length === 0 && !value && <p className="muted small wide">{t('results.noDatabase')}</p>}
    </div>
  );
}
