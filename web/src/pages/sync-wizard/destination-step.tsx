import type { ConnectionSummary } from '../../../../src/api/connections.js';
import { operations, type Operation } from '../../../../src/api/connectors.js';
import type { DestinationOptions } from '../../../../src/api/sync-drafts.js';
import { useI18n } from '../../i18n.js';
import { useApi } from '../../use-api.js';
import { chosenEndpoints, type StepProps } from './sync-draft.js';

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
  const chosen = chosenEndpoints(draft.sync, options);
  const fields = [...new Set(chosen.flatMap((e) => e.rowFields))];
  const wholeRow = chosen.some((e) => e.wholeRow);
  const perOperation = to.endpoints !== undefined;
  const setSlot = (slot: Operation, name: string) => {
    const next = { ...to.endpoints };
    if (name === '') delete next[slot];
    else next[slot] = name;
    setTo({ connection: to.connection, endpoints: next });
  };

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
        {options?.kind === 'http' && !perOperation && (
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
      {options?.kind === 'http' && (
        <label className="field checkbox-field">
          <span>{t('destination.perOperation')}</span>
          <input
            type="checkbox"
            name="per-operation"
            checked={perOperation}
            onChange={(e) => setTo(e.target.checked ? { connection: to.connection, endpoints: {} } : { connection: to.connection, endpoint: '' })}
          />
        </label>
      )}
      {options?.kind === 'http' && perOperation && (
        <div className="grid" data-testid="endpoint-slots">
          {operations.map((slot) => (
            <label className="field" key={slot}>
              <span>
                <code>{slot}</code>
              </span>
              <select name={`endpoint-${slot}`} value={to.endpoints?.[slot] ?? ''} onChange={(e) => setSlot(slot, e.target.value)}>
                <option value="">{t('destination.slotNone')}</option>
                {options.endpoints
                  .filter((e) => e.operation === slot)
                  .map((e) => (
                    <option key={e.name} value={e.name}>
                      {e.name}
                    </option>
                  ))}
              </select>
            </label>
          ))}
        </div>
      )}
      {chosen.length > 0 && (
        <p className="muted small" data-testid="endpoint-fields">
          {fields.length > 0 ? t('destination.fieldsUsed', { fields: fields.join(', ') }) : !wholeRow && t('destination.noFields')} {wholeRow && t('destination.wholeRow')}
        </p>
      )}
    </div>
  );
}
