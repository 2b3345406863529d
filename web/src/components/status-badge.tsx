import { runStatuses } from '../../../src/api/runs.js';
import { useI18n } from '../i18n.js';

const known = new Set<string>(runStatuses);

/** A run status as a coloured label. */
export function StatusBadge(props: { status: string | null | undefined }) {
  const { t } = useI18n();
  if (!props.status) return <span className="muted">—</span>;
  const label = known.has(props.status) ? t(`status.${props.status}` as 'status.running') : props.status;
  return <span className={`badge badge-${props.status}`}>{label}</span>;
}
