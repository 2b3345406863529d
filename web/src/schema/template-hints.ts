import { createContext, useContext } from 'react';
import type { TemplateHints } from '../components/liquid-completion.js';

/** What the builder's template fields offer to complete (the sample rows' fields, the server's filters); null: nothing. */
export const TemplateHintsContext = createContext<TemplateHints | null>(null);

/** The template hints of the page around, or null. */
export function useTemplateHints(): TemplateHints | null {
  return useContext(TemplateHintsContext);
}

/** The fields of sample rows, in the order they first appear (a row wrapped as `{ row, ... }` gives its row's). */
export function sampleRowFields(rows: Record<string, unknown>[] | null): string[] {
  const fields = new Set<string>();
  for (const r of rows ?? []) {
    const row = r.row && typeof r.row === 'object' && !Array.isArray(r.row) ? (r.row as Record<string, unknown>) : r;
    for (const key of Object.keys(row)) fields.add(key);
  }
  return [...fields];
}
