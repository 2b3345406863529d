import { shownStatuses, type RunRecord } from '../../../src/api/runs.js';
import { shownStatus } from '../history/shown-status.js';
import { useI18n } from '../i18n.js';

const known = new Set<string>(shownStatuses);

/** A run status as a coloured label; given the run, a finished run that delivered some rows and failed others is partial. */
export function StatusBadge(props: { status: string | null | undefined; run?: Pick<RunRecord, 'status' | 'counts'> }) {
  const { t } = useI18n();
  const status = props.run ? shownStatus(props.run) : props.status;
  if (!status) return <span className="muted">—</span>;
  const label = known.has(status) ? t(`status.${status}` as 'status.running') : status;
  return <span className={`badge badge-${status}`}>{label}</span>;
}
