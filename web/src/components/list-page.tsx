import { Children, cloneElement, isValidElement, useMemo, useState, type ReactElement, type ReactNode } from 'react';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { DeleteDialog, type DeletableKind } from './delete-dialog.js';
import { ErrorBox } from './error-box.js';
import { SearchBox } from './search-box.js';

/** What a list page shows: its title, an optional "+ New" button, the loaded rows and how to draw each. */
export interface ListPageProps<T> {
  title: string;
  /** The "+ label" button in the page head and where it leads. */
  create?: { label: string; to: string };
  data: T[] | null | undefined;
  error: unknown;
  loading: boolean;
  /** Column headings; an empty string leaves a heading blank. */
  columns: string[];
  /** The text of the one row shown when the list is empty. */
  empty: string;
  /** One `<tr>` per item, with a key. */
  row: (item: T) => ReactNode;
  /** The text the search box matches (default: every string and number of the item). */
  searchText?: (item: T) => string;
  /** A line under the head, saying what the page is for. */
  intro?: ReactNode;
  /** A Delete button per item (not where `when` says no), which first shows what depends on it. */
  remove?: { kind: DeletableKind; name: (item: T) => string; when?: (item: T) => boolean };
}

/** Every string and number inside a value, to search. */
function textOf(value: unknown, depth = 0): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (depth > 4 || typeof value !== 'object' || value === null) return '';
  return Object.values(value).map((v) => textOf(v, depth + 1)).join(' ');
}

/**
 * A page of one table of things (connectors, connections, syncs): head, search, error, loading line, rows or the
 * empty line. Each cell is given its column's heading (`data-label`), which a phone shows when rows become cards.
 */
export function ListPage<T>(props: ListPageProps<T>) {
  const { t } = useI18n();
  const { data, create, remove } = props;
  const [query, setQuery] = useState('');
  const [deleting, setDeleting] = useState<string | null>(null);
  const [deleted, setDeleted] = useState<Set<string>>(() => new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const columns = remove ? [...props.columns, ''] : props.columns;

  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return (data ?? []).filter((item) => {
      if (remove && deleted.has(remove.name(item))) return false;
      const text = (props.searchText ?? textOf)(item).toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [data, query, deleted, remove, props.searchText]);

  const decorate = (item: T): ReactNode => {
    const row = props.row(item);
    if (!isValidElement(row)) return row;
    const element = row as ReactElement<{ children?: ReactNode }>;
    const cells = Children.toArray(element.props.children).map((cell, i) =>
      isValidElement(cell) && props.columns[i] ? cloneElement(cell as ReactElement<Record<string, unknown>>, { 'data-label': props.columns[i] }) : cell,
    );
    if (remove) {
      const name = remove.name(item);
      cells.push(
        <td key="delete" className="row-actions">
          {(remove.when?.(item) ?? true) && (
            <button type="button" className="small danger" aria-label={`${t('delete.button')} ${name}`} onClick={() => setDeleting(name)} data-testid={`delete-${name}`}>
              {t('delete.button')}
            </button>
          )}
        </td>,
      );
    }
    return cloneElement(element, undefined, ...cells);
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>{props.title}</h1>
        <div className="actions">
          {data && data.length > 0 && <SearchBox value={query} onChange={setQuery} />}
          {create && (
            <button type="button" className="primary" onClick={() => navigate(create.to)}>
              + {create.label}
            </button>
          )}
        </div>
      </div>
      {props.intro}
      {notice && (
        <div className="notice" role="status">
          {notice}
        </div>
      )}
      <ErrorBox error={props.error} />
      {props.loading && !data && <p className="muted">{t('common.loading')}</p>}
      {data && (
        <table className="table cards">
          <thead>
            <tr>
              {columns.map((heading, i) => (heading ? <th key={i} scope="col">{heading}</th> : <th key={i}><span className="visually-hidden">{t('common.actions')}</span></th>))}
            </tr>
          </thead>
          <tbody>
            {data.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="muted">
                  {props.empty}
                </td>
              </tr>
            )}
            {data.length > 0 && shown.length === 0 && (
              <tr>
                <td colSpan={columns.length} className="muted">
                  {t('list.noMatch', { query })}
                </td>
              </tr>
            )}
            {shown.map(decorate)}
          </tbody>
        </table>
      )}
      {remove && deleting !== null && (
        <DeleteDialog
          kind={remove.kind}
          name={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleted((d) => new Set(d).add(deleting));
            setNotice(t('delete.done', { name: deleting }));
            setDeleting(null);
          }}
        />
      )}
    </div>
  );
}
