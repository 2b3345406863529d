import type { KeyboardEvent } from 'react';

/** The id of the panel the endpoint tabs control (the form of the selected endpoint). */
export const endpointPanelId = 'endpoint-panel';

/** The id of an endpoint's tab, by position: endpoint names are YAML keys and may hold spaces, which ids may not. */
export function endpointTabId(index: number): string {
  return `endpoint-tab-${index}`;
}

// Selection follows focus (showing an endpoint's form is cheap), as the WAI-ARIA tabs pattern allows.
const moves: Record<string, (index: number, count: number) => number> = {
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_, n) => n - 1,
};

/**
 * The connector builder's endpoint strip: a WAI-ARIA tablist, since choosing a tab swaps the endpoint form below it
 * (the tabpanel with id `endpointPanelId`). One tab is in the Tab order; arrow keys, Home and End move between tabs.
 */
export function EndpointTabs(props: { label: string; names: string[]; selected: string | null; onSelect: (name: string) => void }) {
  const { names, selected } = props;
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const move = moves[e.key];
    if (!move || names.length === 0) return;
    e.preventDefault();
    const next = move(Math.max(0, names.indexOf(selected ?? '')), names.length);
    props.onSelect(names[next] ?? '');
    document.getElementById(endpointTabId(next))?.focus();
  };
  return (
    <div className="tab-list" role="tablist" aria-label={props.label} onKeyDown={onKeyDown}>
      {names.map((n, i) => (
        <button
          key={n}
          id={endpointTabId(i)}
          type="button"
          role="tab"
          aria-selected={n === selected}
          aria-controls={endpointPanelId}
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
