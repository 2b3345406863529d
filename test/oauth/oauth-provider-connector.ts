/**
 * A connector (YAML text) for the sandbox OAuth provider: the provider's URL in `config.provider`, the
 * authorization-code flow with `scopes` first among its auth kinds, then `otherAuth` kinds and the `rest` of its lines.
 */
export function oauthProviderConnector(options: { name: string; title?: string; scopes: string; otherAuth?: string[]; rest?: string[] }): string {
  return [
    `name: ${options.name}`,
    ...(options.title ? [`title: ${options.title}`] : []),
    'config:',
    '  provider: { type: string, required: true }',
    'base_url: "{{ config.provider }}"',
    'auth:',
    '  - type: oauth2',
    '    authorization_url: "{{ config.provider }}/authorize"',
    '    token_url: "{{ config.provider }}/token"',
    `    scopes: [${options.scopes}]`,
    ...(options.otherAuth ?? []).map((kind) => `  - ${kind}`),
    ...(options.rest ?? []),
    '',
  ].join('\n');
}
