import { useCallback, useEffect, useState } from 'react';
import { api } from '../api-client.js';
import type { PipelineSummary } from '../../../src/api/pipelines.js';
import type { RunRecord } from '../../../src/api/runs.js';
import type { SyncSummary } from '../../../src/api/syncs.js';
import { ErrorBox } from '../components/error-box.js';
import { RunsTable } from '../components/runs-table.js';
import { useI18n } from '../i18n.js';
import { useLoadAgainWhenBack } from '../server-reachability.js';

interface Source {
  kind: 'sync' | 'pipeline';
  name: string;
}

const runsPath = (s: Source) => `/api/${s.kind === 'sync' ? 'syncs' : 'pipelines'}/${encodeURIComponent(s.name)}/runs`;

/** Run history across every sync and pipeline (or one of them), newest first. */
export function RunsPage() {
  const { t } = useI18n();
  const [sources, setSources] = useState<Source[]>([]);
  const [filter, setFilter] = useState('');
  const [runs, setRuns] = useState<RunRecord[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      const [syncs, pipelines] = await Promise.all([api<SyncSummary[]>('/api/syncs'), api<PipelineSummary[]>('/api/pipelines').catch(() => [])]);
      const all: Source[] = [...syncs.map((s) => ({ kind: 'sync' as const, name: s.name })), ...pipelines.map((p) => ({ kind: 'pipeline' as const, name: p.name }))];
      setSources(all);
      const chosen = filter ? all.filter((s) => `${s.kind}:${s.name}` === filter) : all;
      const lists = await Promise.all(chosen.map((s) => api<RunRecord[]>(runsPath(s))));
      const byId = new Map<string, RunRecord>();
      for (const run of lists.flat()) byId.set(run.id, run);
      setRuns([...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filter]);

  useEffect(() => {
    void load();
  }, [load]);
  useLoadAgainWhenBack(error, () => void load());

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('nav.runs')}</h1>
        <div className="actions">
          <select aria-label={t('runs.filter')} value={filter} onChange={(e) => setFilter(e.target.value)}>
            <option value="">{t('runs.all')}</option>
            {sources.map((s) => (
              <option key={`${s.kind}:${s.name}`} value={`${s.kind}:${s.name}`}>
                {t(`runs.kind.${s.kind}`)}: {s.name}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void load()}>
            {t('common.refresh')}
          </button>
        </div>
      </div>
      <ErrorBox error={error} />
      {!runs && !error && <p className="muted">{t('common.loading')}</p>}
      {runs && <RunsTable runs={runs} showName />}
    </div>
  );
}
