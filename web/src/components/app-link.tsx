import type { ReactNode } from 'react';
import { navigate } from '../router.js';

/** A link inside the UI: a real href (open in a new tab works) that navigates without a reload. */
export function AppLink(props: { to: string; children: ReactNode; className?: string; testId?: string; current?: boolean }) {
  return (
    <a
      href={props.to}
      aria-current={props.current ? 'page' : undefined}
      className={props.className}
      data-testid={props.testId}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
