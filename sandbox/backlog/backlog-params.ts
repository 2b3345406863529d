/** A Backlog write request's parameters: name (without `[]`) to its values, from a form or a JSON body. */
export type BacklogParams = Map<string, string[]>;

/** Reads `projectId=1&categoryId[]=2&categoryId[]=3` into params. */
export function backlogParamsFromForm(body: string): BacklogParams {
  const params: BacklogParams = new Map();
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey.replace(/\[\d+\]$/, '');
    const list = params.get(key) ?? [];
    list.push(value);
    params.set(key, list);
  }
  return params;
}

/** Reads a JSON object body into params: arrays become repeated values, null means absent. */
export function backlogParamsFromJson(body: unknown): BacklogParams {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('the body must be a JSON object');
  const params: BacklogParams = new Map();
  for (const [rawKey, value] of Object.entries(body as Record<string, unknown>)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const values = Array.isArray(value) ? value : [value];
    const list = values.filter((v) => v !== null && v !== undefined).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
    if (list.length > 0) params.set(key, list);
  }
  return params;
}
