import type { ReactNode } from 'react';
import { AppLink } from './app-link.js';

/**
 * The head of a page about one thing (a connection, connector, sync, run): a link back to its list, its title, what
 * goes under the title, and the page's buttons.
 */
export function DetailHead(props: { back: { to: string; label: string }; title: ReactNode; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <div className="crumbs">
          <AppLink to={props.back.to}>{props.back.label}</AppLink> /
        </div>
        <h1>{props.title}</h1>
        {props.children}
      </div>
      <div className="actions">{props.actions}</div>
    </div>
  );
}
