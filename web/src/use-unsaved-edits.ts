import { useEffect, useRef } from 'react';
import { useI18n } from './i18n.js';
import { useLeaveCheck } from './router.js';

/**
 * A page that edits something: while `dirty`, leaving the page asks first (links, back, closing the tab), and
 * Ctrl+S or Cmd+S calls `save` (also when clean: the browser's "save page as" is never what the user meant here).
 */
export function useUnsavedEdits(dirty: boolean, save: () => void): void {
  const { t } = useI18n();
  useLeaveCheck(dirty ? t('unsaved.leave') : null);
  const latestSave = useRef(save);
  latestSave.current = save;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() !== 's' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      event.preventDefault();
      if (!event.repeat) latestSave.current();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
