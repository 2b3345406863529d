import type { ReactNode } from 'react';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { ErrorBox } from './error-box.js';

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
}

/** A page of one table of things (connectors, connections, syncs): head, error, loading line, rows or the empty line. */
export function ListPage<T>(props: ListPageProps<T>) {
  const { t } = useI18n();
  const { data, create } = props;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{props.title}</h1>
        {create && (
          <button type="button" className="primary" onClick={() => navigate(create.to)}>
            + {create.label}
          </button>
        )}
      </div>
      <ErrorBox error={props.error} />
      {props.loading && !data && <p className="muted">{t('common.loading')}</p>}
      {data && (
        <table className="table">
          <thead>
            <tr>
              {props.columns.map((heading, i) => (heading ? <th key={i}>{heading}</th> : <th key={i} />))}
            </tr>
          </thead>
          <tbody>
            {data.length === 0 && (
              <tr>
                <td colSpan={props.columns.length} className="muted">
                  {props.empty}
                </td>
              </tr>
            )}
            {data.map(props.row)}
          </tbody>
        </table>
      )}
    </div>
  );
}
