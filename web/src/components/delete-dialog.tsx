import { useEffect, useRef, useState } from 'react';
import type { DependentsAnswer } from '../../../src/api/dependents.js';
import { api, apiFetch } from '../api-client.js';
import { useI18n } from '../i18n.js';
import { AppLink } from './app-link.js';
import { ErrorBox } from './error-box.js';

/** What can be deleted from a list: the API's collection name. */
export type DeletableKind = 'connectors' | 'connections' | 'syncs';

const pagePath = (kind: string, name: string) => `/${kind === 'connection' ? 'connections' : kind === 'sync' ? 'syncs' : 'pipelines'}/${encodeURIComponent(name)}`;

/**
 * Asks before deleting: first shows what uses the item (and then offers no Delete), else says that nothing does and
 * deletes on confirmation. Escape or Cancel closes it; focus starts on its first button, stays inside while it is
 * open, and returns to the opener.
 */
export function DeleteDialog(props: { kind: DeletableKind; name: string; onClose: () => void; onDeleted: () => void }) {
  const { t } = useI18n();
  const base = `/api/${props.kind}/${encodeURIComponent(props.name)}`;
  const [answer, setAnswer] = useState<DependentsAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [deleting, setDeleting] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const titleId = `delete-title-${props.kind}`;

  useEffect(() => {
    let live = true;
    api<DependentsAnswer>(`${base}/dependents`).then(
      (a) => live && setAnswer(a),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [base]);

  const close = useRef(props.onClose);
  close.current = props.onClose;
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') return close.current();
      // Tab stays inside the dialog (aria-modal): from its last control to its first, and back.
      if (e.key !== 'Tab' || !box.current) return;
      const controls = [...box.current.querySelectorAll<HTMLElement>('a[href], button:not(:disabled)')];
      const first = controls[0];
      const last = controls[controls.length - 1];
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      opener?.focus();
    };
  }, []);

  useEffect(() => {
    box.current?.querySelector<HTMLElement>('button:not(:disabled)')?.focus();
  }, [answer]);

  const remove = async () => {
    setDeleting(true);
    setError(null);
    try {
      await apiFetch(base, { method: 'DELETE' });
      props.onDeleted();
    } catch (e) {
      setError(e);
      setDeleting(false);
    }
  };

  const blocked = answer !== null && answer.dependents.length > 0;
  return (
    <div className="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div className="dialog card" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={box} data-testid="delete-dialog">
        <h2 id={titleId}>{t('delete.title', { name: props.name })}</h2>
        {!answer && !error && <p className="muted">{t('delete.checking')}</p>}
        {blocked && (
          <>
            <p>{t('delete.blocked', { name: props.name })}</p>
            <ul data-testid="dependents">
              {answer.dependents.map((d) => (
                <li key={`${d.kind}:${d.name}`}>
                  {t(`delete.dependent.${d.kind}`)} <AppLink to={pagePath(d.kind, d.name)}>{d.name}</AppLink>
                </li>
              ))}
            </ul>
          </>
        )}
        {answer && !blocked && <p>{t(props.kind === 'connectors' ? 'delete.connectorFree' : 'delete.free', { name: props.name })}</p>}
        <ErrorBox error={error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            {t('delete.cancel')}
          </button>
          {answer && !blocked && (
            <button type="button" className="danger" onClick={() => void remove()} disabled={deleting}>
              {deleting ? t('delete.deleting') : t('delete.confirm')}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
