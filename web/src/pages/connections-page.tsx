import { useState } from 'react';
import { api } from '../api-client.js';
import type { ConnectionSummary, ConnectionTestResult } from '../../../src/api/connections.js';
import { connectionTestState } from '../connection-test-state.js';
import { AppLink } from '../components/app-link.js';
import { ErrorBox } from '../components/error-box.js';
import { ListPage } from '../components/list-page.js';
import { authorizeConnection, type AuthorizeOutcome } from '../authorize-connection.js';
import { useI18n } from '../i18n.js';
import { useApi } from '../use-api.js';

type Outcome =
  | { kind: 'testing' }
  | { kind: 'tested'; result: ConnectionTestResult }
  | { kind: 'authorizing' }
  | { kind: 'authorized'; outcome: AuthorizeOutcome }
  | { kind: 'error'; error: unknown };

const OAUTH_TYPES = new Set(['oauth2']);

/** Connections with their type and authorization state; Test and Authorize per row. */
export function ConnectionsPage() {
  const { t } = useI18n();
  const { data, error, loading, reload } = useApi<ConnectionSummary[]>('/api/connections');
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const setOutcome = (name: string, outcome: Outcome) => setOutcomes((o) => ({ ...o, [name]: outcome }));

  const test = async (name: string) => {
    setOutcome(name, { kind: 'testing' });
    try {
      const result = await api<ConnectionTestResult>(`/api/connections/${encodeURIComponent(name)}/test`, { method: 'POST' });
      setOutcome(name, { kind: 'tested', result });
    } catch (e) {
      setOutcome(name, { kind: 'error', error: e });
    }
  };

  const authorize = async (name: string) => {
    setOutcome(name, { kind: 'authorizing' });
    try {
      const outcome = await authorizeConnection(name);
      await reload();
      setOutcome(name, { kind: 'authorized', outcome });
    } catch (e) {
      setOutcome(name, { kind: 'error', error: e });
    }
  };

  const describe = (outcome: Outcome | undefined) => {
    if (!outcome) return null;
    switch (outcome.kind) {
      case 'testing':
        return <span className="muted">{t('connections.testing')}</span>;
      case 'authorizing':
        return <span className="muted">{t('connections.authorizing')}</span>;
      case 'tested': {
        const shown = connectionTestState(outcome.result);
        return (
          <span className={shown.className} data-state={shown.state}>
            <span aria-hidden="true">{shown.sign}</span> {outcome.result.message} <span className="muted">({outcome.result.ms} ms)</span>
          </span>
        );
      }
      case 'authorized':
        if (outcome.outcome.ok) return <span className="ok-text">✓ {t('connections.authorizeOk')}</span>;
        return (
          <span className="error-text">
            ✗ {t(`connections.authorizeFailed.${outcome.outcome.reason}`)}
            {outcome.outcome.message ? `: ${outcome.outcome.message}` : ''}
          </span>
        );
      case 'error':
        return <ErrorBox error={outcome.error} />;
    }
  };

  return (
    <ListPage
      title={t('nav.connections')}
      create={{ label: t('connections.new'), to: '/connections/new' }}
      data={data}
      error={error}
      loading={loading}
      columns={[t('common.name'), t('connections.type'), t('connections.connector'), t('connections.auth'), t('connections.state'), t('common.actions'), '']}
      empty={t('connections.empty')}
      remove={{ kind: 'connections', name: (c) => c.name }}
      row={(c) => {
        const oauth = c.authType !== undefined && OAUTH_TYPES.has(c.authType);
        const busy = outcomes[c.name]?.kind === 'testing' || outcomes[c.name]?.kind === 'authorizing';
        return (
          <tr key={c.name} data-testid={`connection-${c.name}`}>
            <td>
              <AppLink to={`/connections/${encodeURIComponent(c.name)}`}>{c.name}</AppLink>
            </td>
            <td>
              <code>{c.type}</code>
            </td>
            <td>{c.connector ?? ''}</td>
            <td>{c.authType ?? ''}</td>
            <td data-testid="auth-state">
              {oauth ? (
                c.authorized ? (
                  <span className="badge badge-succeeded">{t('connections.authorized')}</span>
                ) : (
                  <span className="badge badge-cancelled">{t('connections.notAuthorized')}</span>
                )
              ) : (
                <span className="muted">—</span>
              )}
            </td>
            <td className="nowrap">
              <button type="button" className="small" disabled={busy} onClick={() => void test(c.name)}>
                {t('connections.test')}
              </button>{' '}
              {oauth && (
                <button type="button" className="small primary" disabled={busy} onClick={() => void authorize(c.name)}>
                  {t('connections.authorize')}
                </button>
              )}
            </td>
            <td data-testid="outcome">{describe(outcomes[c.name])}</td>
          </tr>
        );
      }}
    />
  );
}
