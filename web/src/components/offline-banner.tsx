import { useI18n } from '../i18n.js';
import { RETRY_SECONDS, retryNow, useServerReachable } from '../server-reachability.js';

/** Across the top while the server cannot be reached: says so, retries on its own, and goes when the server answers. */
export function OfflineBanner() {
  const { t } = useI18n();
  const reachable = useServerReachable();
  if (reachable) return null;
  return (
    <div className="offline-banner" role="alert" data-testid="offline-banner">
      <span>{t('offline.banner', { seconds: RETRY_SECONDS })}</span>
      <button type="button" className="small" onClick={retryNow}>
        {t('offline.retryNow')}
      </button>
    </div>
  );
}
