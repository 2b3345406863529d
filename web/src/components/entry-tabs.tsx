import type { KeyboardEvent } from 'react';

/** The id of the panel a strip of entry tabs controls (the form of the selected entry); `idPrefix` names the strip. */
export function entryPanelId(idPrefix: string): string {
  return `${idPrefix}-panel`;
}

/** The id of an entry's tab, by position: entry names are YAML keys and may hold spaces, which ids may not. */
export function entryTabId(idPrefix: string, index: number): string {
  return `${idPrefix}-tab-${index}`;
}

// Selection follows focus (showing an entry's form is cheap), as the WAI-ARIA tabs pattern allows.
const moves: Record<string, (index: number, count: number) => number> = {
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_, n) => n - 1,
};

/**
 * The strip of a map's entries (a connector's endpoints, streams): a WAI-ARIA tablist, since choosing a tab swaps the
 * entry form below it (the tabpanel with id `entryPanelId`). One tab is in the Tab order; arrow keys, Home and End move
 * between tabs.
 */
export function EntryTabs(props: { label: string; idPrefix: string; names: string[]; selected: string | null; onSelect: (name: string) => void }) {
  const { names, selected, idPrefix } = props;
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const move = moves[e.key];
    if (!move || names.length === 0) return;
    e.preventDefault();
    const next = move(Math.max(0, names.indexOf(selected ?? '')), names.length);
    props.onSelect(names[next] ?? '');
    document.getElementById(entryTabId(idPrefix, next))?.focus();
  };
  return (
    <div className="tab-list" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
      {names.map((n, i) => (
        <button
          key={n}
          id={entryTabId(idPrefix, i)}
          type="button"
          role="tab"
          aria-selected={n === selected}
          aria-controls={entryPanelId(idPrefix)}
          tabIndex={n === selected ? 0 : -1}
          className={n === selected ? 'tab active' : 'tab'}
          onClick={() => props.onSelect(n)}
        >
          {n}
        </button>
      ))}
    </div>
  );
}
