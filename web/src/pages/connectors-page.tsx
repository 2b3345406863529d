import type { ConnectorSummary } from '../../../src/api/connectors.js';
import { AppLink } from '../components/app-link.js';
import { ListPage } from '../components/list-page.js';
import { useI18n } from '../i18n.js';
import { useApi } from '../use-api.js';

/** Built-in and project connectors, each opening in the builder. */
export function ConnectorsPage() {
  const { t } = useI18n();
  const { data, error, loading } = useApi<ConnectorSummary[]>('/api/connectors');
  return (
    <ListPage
      title={t('nav.connectors')}
      create={{ label: t('connectors.new'), to: '/connectors/new' }}
      data={data}
      error={error}
      loading={loading}
      columns={[t('common.name'), t('connectors.titleColumn'), t('connectors.auth'), t('connectors.endpoints'), t('connectors.streams'), t('connectors.file')]}
      empty={t('connectors.empty')}
      remove={{ kind: 'connectors', name: (c) => c.name, when: (c) => !c.builtin }}
      row={(c) => (
        <tr key={c.name}>
          <td className="nowrap">
            <AppLink to={`/connectors/${encodeURIComponent(c.name)}`}>{c.name}</AppLink> {c.builtin && <span className="badge">{t('connectors.builtin')}</span>}
            {c.issues && c.issues.length > 0 && <span className="badge badge-failed" title={c.issues.map((i) => i.message).join('\n')}>{t('connectors.invalid')}</span>}
          </td>
          <td>{c.title ?? ''}</td>
          <td>{(c.auth ?? []).join(', ')}</td>
          <td>{(c.endpoints ?? []).map((e) => e.name).join(', ')}</td>
          <td>{(c.streams ?? []).map((e) => e.name).join(', ')}</td>
          <td className="muted small">{c.file ?? ''}</td>
        </tr>
      )}
    />
  );
}
