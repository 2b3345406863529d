import { useI18n } from '../i18n.js';

/** "Unsaved changes" beside a page's Save button while the form differs from what was saved; nothing otherwise. */
export function UnsavedMarker(props: { dirty: boolean }) {
  const { t } = useI18n();
  if (!props.dirty) return null;
  return (
    <span className="unsaved-marker" data-testid="unsaved" title={t('unsaved.hint')}>
      <span aria-hidden="true">●</span> {t('unsaved.marker')}
    </span>
  );
}
