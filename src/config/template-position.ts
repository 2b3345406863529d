import type { KeyPath, YamlFile } from './load-yaml.js';

/** A place inside a template's text (1-based), as liquidjs gives it. */
export interface PlaceInTemplate {
  line: number;
  column: number;
}

/**
 * The line and column in the YAML file of a place inside the template at `path` (a scalar): a block scalar's text
 * starts on the line after its `|`, a quoted one one column after its quote. Without `at`, where the template starts.
 */
export function templatePosition(yaml: YamlFile, path: KeyPath, at?: PlaceInTemplate): { line: number; column: number } {
  const base = yaml.position(path);
  const place = yaml.scalar(path);
  if (!place || !at) return base;
  if (place.style === 'block') return { line: place.line + at.line, column: place.indent + at.column };
  const opening = place.style === 'quoted' ? 1 : 0;
  return at.line === 1 ? { line: place.line, column: place.column + opening + at.column - 1 } : { line: place.line + at.line - 1, column: at.column };
}
