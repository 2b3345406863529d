import type { ConnectorSummary } from '../api-types.js';
import { AppLink } from '../components/app-link.js';
import { ErrorBox } from '../components/error-box.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { useApi } from '../use-api.js';

/** Built-in and project connectors, each opening in the builder. */
export function ConnectorsPage() {
  const { t } = useI18n();
  const { data, error, loading } = useApi<ConnectorSummary[]>('/api/connectors');
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('nav.connectors')}</h1>
        <button type="button" className="primary" onClick={() => navigate('/connectors/new')}>
          + {t('connectors.new')}
        </button>
      </div>
      <ErrorBox error={error} />
      {loading && !data && <p className="muted">{t('common.loading')}</p>}
      {data && (
        <table className="table">
          <thead>
            <tr>
              <th>{t('common.name')}</th>
              <th>{t('connectors.titleColumn')}</th>
              <th>{t('connectors.auth')}</th>
              <th>{t('connectors.endpoints')}</th>
              <th>{t('connectors.streams')}</th>
              <th>{t('connectors.file')}</th>
            </tr>
          </thead>
          <tbody>
            {data.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  {t('connectors.empty')}
                </td>
              </tr>
            )}
            {data.map((c) => (
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
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
