// What refers to a connector, connection or sync (GET .../dependents; a DELETE refused while there are some).

/** Something in the project that names the item: a connection using a connector, a sync or pipeline using a connection or sync. */
export interface Dependent {
  kind: 'connection' | 'sync' | 'pipeline';
  name: string;
}

/** GET /api/{connectors,connections,syncs}/:name/dependents, and the body of a DELETE refused with 409. */
export interface DependentsAnswer {
  dependents: Dependent[];
  error?: string;
}
