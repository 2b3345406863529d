import { Liquid } from 'liquidjs';
import { templateFilters } from './template-filters.js';

/** Every filter a connector template may use: standard Liquid's (liquidjs) and Sluice's own, sorted (the builder offers them). */
export function templateFilterNames(): string[] {
  return [...new Set([...Object.keys(new Liquid().filters), ...Object.keys(templateFilters)])].sort();
}
