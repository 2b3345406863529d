import type { ConnectionSummary } from '../../../../src/api/connections.js';
import { ErrorBox } from '../../components/error-box.js';
import { useI18n } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { withKey, type StepProps } from '../sync-wizard/sync-draft.js';
import { FieldIssues, issuesExactlyAt, saveIssues } from './field-issues.js';
import { newNotifyEntry, type NotifyEntry } from './notify-rule.js';
import { NotifyRuleFields } from './notify-rule-fields.js';
import { defaultTableName } from './result-table-name.js';
import { ResultTableField, type ResultTable } from './result-table-field.js';

const asTable = (value: unknown): ResultTable | undefined =>
  typeof value === 'object' && value !== null ? { connection: '', table: '', ...(value as Partial<ResultTable>) } : undefined;

/**
 * "Results and alerts" of a sync: where each record's result goes (write_back), where each run is logged (run_log),
 * and who is told when a run ends (notify). It edits the draft the page saves, like the other steps; `saveError` is
 * the last save's error, whose problems with these keys show at their fields.
 */
export function ResultsAndAlerts(props: StepProps & { name: string; saveError: unknown }) {
  const { t } = useI18n();
  const { draft, onChange } = props;
  const sync = draft.sync;
  const connections = useApi<ConnectionSummary[]>('/api/connections');
  const issues = saveIssues(props.saveError);
  const base = `syncs.${props.name}`;
  const set = (key: string, value: unknown) => onChange({ ...draft, sync: withKey(sync, key, value) });
  const notify = (Array.isArray(sync.notify) ? sync.notify : []) as NotifyEntry[];
  const setNotify = (next: NotifyEntry[]) => set('notify', next.length === 0 ? undefined : next);
  const known = connections.data ?? [];

  return (
    <div className="wizard-step" data-testid="results-and-alerts">
      <p className="muted small">{t('results.help')}</p>
      <ErrorBox error={connections.error} />

      <h4>{t('results.writeBack')}</h4>
      <p className="muted small">{t('results.writeBackHelp')}</p>
      <ResultTableField
        setting="write_back"
        value={asTable(sync.write_back)}
        onChange={(value) => set('write_back', value)}
        connections={known}
        defaultTable={defaultTableName(props.name, 'results')}
        issues={issues}
        path={`${base}.write_back`}
      />

      <h4>{t('results.runLog')}</h4>
      <p className="muted small">{t('results.runLogHelp')}</p>
      <ResultTableField
        setting="run_log"
        value={asTable(sync.run_log)}
        onChange={(value) => set('run_log', value)}
        connections={known}
        defaultTable={defaultTableName(props.name, 'runs')}
        issues={issues}
        path={`${base}.run_log`}
      />

      <h4>{t('notify.title')}</h4>
      <FieldIssues issues={issuesExactlyAt(issues, `${base}.notify`)} testId="notify-issue" />
      {notify.length === 0 && <p className="muted small">{t('notify.none')}</p>}
      {notify.map((entry, i) => (
        <NotifyRuleFields
          key={i}
          index={i}
          entry={entry}
          onChange={(next) => setNotify(notify.map((e, j) => (j === i ? next : e)))}
          onRemove={() => setNotify(notify.filter((_, j) => j !== i))}
          connections={known}
          issues={issues}
          path={`${base}.notify.${i}`}
        />
      ))}
      <button type="button" className="small inline-add" onClick={() => setNotify([...notify, newNotifyEntry()])} data-testid="notify-add">
        {t('notify.add')}
      </button>
    </div>
  );
}
