import type { ConnectionSummary } from '../../../../src/api/connections.js';
import type { DestinationOptions } from '../../../../src/api/sync-drafts.js';
import { useI18n } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import type { StepProps } from './sync-draft.js';

/** The destination: a connection, then one of its connector's endpoints (what it does, the fields it reads) or a table. */
export function DestinationStep(props: StepProps & { options: DestinationOptions | null }) {
  const { t } = useI18n();
  const { draft, onChange, options } = props;
  const connections = useApi<ConnectionSummary[]>('/api/connections');
  const to = draft.sync.to;
  const setTo = (next: typeof to) => onChange({ ...draft, sync: { ...draft.sync, to: next } });
  const chooseConnection = (name: string) => {
    const type = connections.data?.find((c) => c.name === name)?.type;
    setTo(type === 'http' ? { connection: name, endpoint: '' } : { connection: name, table: '' });
  };
  const endpoint = options?.kind === 'http' ? options.endpoints.find((e) => e.name === to.endpoint) : undefined;

  return (
    <div className="wizard-step" data-testid="destination-step">
      <div className="grid">
        <label className="field">
          <span>{t('destination.connection')}</span>
          <select name="destination-connection" value={to.connection} onChange={(e) => chooseConnection(e.target.value)}>
            <option value="">{t('source.choose')}</option>
            {connections.data?.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.type === 'http' ? c.connector : c.type})
              </option>
            ))}
          </select>
        </label>
        {options?.kind === 'http' && to.endpoints === undefined && (
          <label className="field">
            <span>{t('destination.endpoint')}</span>
            <select name="destination-endpoint" value={to.endpoint ?? ''} onChange={(e) => setTo({ connection: to.connection, endpoint: e.target.value })}>
              <option value="">{t('destination.chooseEndpoint')}</option>
              {options.endpoints.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name} ({e.operation}
                  {e.request === 'batch' ? ', batch' : ''})
                </option>
              ))}
            </select>
          </label>
        )}
        {options?.kind === 'table' && (
          <label className="field">
            <span>{t('destination.table')}</span>
            <input name="destination-table" value={to.table ?? ''} onChange={(e) => setTo({ connection: to.connection, table: e.target.value })} />
          </label>
        )}
      </div>
      {to.endpoints !== undefined && (
        <p className="muted small">
          {Object.entries(to.endpoints)
            .map(([op, ep]) => `${op}: ${ep}`)
            .join(' · ')}
        </p>
      )}
      {endpoint && (
        <p className="muted small" data-testid="endpoint-fields">
          {endpoint.rowFields.length > 0 ? t('destination.fieldsUsed', { fields: endpoint.rowFields.join(', ') }) : !endpoint.wholeRow && t('destination.noFields')}{' '}
          {endpoint.wholeRow && t('destination.wholeRow')}
        </p>
      )}
    </div>
  );
}
