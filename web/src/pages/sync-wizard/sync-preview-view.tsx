import type { SyncPreview } from '../../../../src/api/syncs.js';
import { ErrorBox } from '../../components/error-box.js';
import { useI18n } from '../../i18n.js';

/** A preview being made, made, or refused. */
export type PreviewState = { loading: boolean; result: SyncPreview | null; error: unknown };

/** What a run would do: counts per change, rows per operation, rows refused before sending, and the first requests. */
export function SyncPreviewView(props: { preview: PreviewState }) {
  const { t } = useI18n();
  const { preview } = props;
  if (preview.result === null && preview.error === null) return null;
  return (
    <section className="card" data-testid="preview-result">
      <h2>{t('sync.previewTitle')}</h2>
      <ErrorBox error={preview.error} testId="preview-error" />
      {preview.result && (
        <>
          <div className="stats">
            {(['read', 'added', 'changed', 'removed', 'unchanged', 'planned', 'invalid'] as const).map((k) => (
              <div className="stat" key={k} data-testid={`count-${k}`}>
                <div className="stat-value">{preview.result?.counts[k] ?? 0}</div>
                <div className="stat-label">{t(`plan.${k}`)}</div>
              </div>
            ))}
          </div>
          <h3>{t('sync.operations')}</h3>
          <table className="table compact">
            <tbody>
              {Object.entries(preview.result.operations).map(([op, n]) => (
                <tr key={op} data-testid={`operation-${op}`}>
                  <td>
                    <code>{op}</code>
                  </td>
                  <td className="num">{n}</td>
                </tr>
              ))}
              {Object.keys(preview.result.operations).length === 0 && (
                <tr>
                  <td className="muted">{t('sync.nothingToSend')}</td>
                </tr>
              )}
            </tbody>
          </table>
          {preview.result.invalid.length > 0 && (
            <>
              <h3>{t('sync.invalidRows')}</h3>
              <ul className="sample-errors">
                {preview.result.invalid.map((r, i) => (
                  <li key={i}>
                    <code>{r.key}</code> {r.error}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>{t('sync.firstRequests')}</h3>
          {preview.result.requests.map((r, i) => (
            <div key={i} className="rendered">
              <div className="muted small">
                <code>{r.operation}</code> {r.keys.join(', ')}
              </div>
              {r.error && <div className="error-box">{r.error}</div>}
              <pre className="code" data-testid="preview-request">
                {r.text}
              </pre>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
