import type { ConfigIssue } from '../../../../src/api/config-issue.js';
import type { ConnectionSummary } from '../../../../src/api/connections.js';
import { SECRET_NAME } from '../../../../src/config/secret-reference.js';
import { useI18n } from '../../i18n.js';
import { useDestinationOptions } from '../sync-wizard/sync-draft.js';
import { FieldIssues, issuesAt, issuesExactlyAt } from './field-issues.js';
import {
  LONGER_THAN,
  readConditions,
  readSecret,
  REJECTED_OVER,
  sendsToEndpoint,
  STATUS_CONDITIONS,
  webhookUrlProblem,
  withKeys,
  writeConditions,
  writeSecret,
  type ConditionChoice,
  type NotifyEntry,
  type SecretKind,
} from './notify-rule.js';

/** Operations an endpoint may have to be sent a run: a notification is a new record. */
const SENDABLE = new Set(['create', 'upsert']);

/**
 * One notification: when (the run failed, succeeded, was cancelled, rejected more rows than a share or count, took
 * longer than a duration) and where (a signed webhook whose secret is named, never shown; or an http connection's
 * create endpoint). Values are checked as typed; the server's problems show under the field they are about.
 */
export function NotifyRuleFields(props: {
  index: number;
  entry: NotifyEntry;
  onChange: (entry: NotifyEntry) => void;
  onRemove: () => void;
  connections: readonly ConnectionSummary[];
  issues: readonly ConfigIssue[];
  /** The entry's key path in sluice.yaml (`syncs.orders.notify.0`). */
  path: string;
}) {
  const { t } = useI18n();
  const { entry, index, path } = props;
  const id = `notify-${index}`;
  const choice = readConditions(entry.on);
  const setChoice = (next: Partial<ConditionChoice>) => props.onChange(withKeys(entry, { on: writeConditions({ ...choice, ...next }) }));
  const toEndpoint = sendsToEndpoint(entry);
  const webhook = (typeof entry.webhook === 'object' && entry.webhook !== null ? entry.webhook : {}) as { url?: unknown; secret?: unknown };
  const url = typeof webhook.url === 'string' ? webhook.url : '';
  const secret = readSecret(webhook.secret);
  const setWebhook = (next: { url?: string; secret?: string }) => props.onChange(withKeys(entry, { webhook: { ...webhook, ...next } }));
  const setSecret = (kind: SecretKind, name: string) => setWebhook({ secret: name.trim() === '' && secret.notReference ? (webhook.secret as string) : writeSecret(kind, name) });
  const connection = typeof entry.connection === 'string' ? entry.connection : '';
  const endpoint = typeof entry.endpoint === 'string' ? entry.endpoint : '';
  const options = useDestinationOptions(toEndpoint && connection ? connection : undefined);
  const endpoints = options?.kind === 'http' ? options.endpoints.filter((e) => SENDABLE.has(e.operation)) : [];
  const httpConnections = props.connections.filter((c) => c.type === 'http');
  const rowFields = typeof entry.row === 'object' && entry.row !== null ? Object.keys(entry.row) : [];
  const noCondition = !STATUS_CONDITIONS.some((s) => choice[s]) && choice.rejectedOver === null && choice.longerThan === null;

  const chooseTarget = (target: string) =>
    props.onChange(
      target === 'endpoint'
        ? withKeys(entry, { webhook: undefined, connection: connection || (httpConnections[0]?.name ?? ''), endpoint: '' })
        : withKeys(entry, { connection: undefined, endpoint: undefined, row: undefined, webhook: { url: '', secret: '' } }),
    );

  return (
    <div className="notify-rule" data-testid="notify-rule">
      <div className="card-head">
        <h5>{t('notify.rule', { n: index + 1 })}</h5>
        <button type="button" className="small" onClick={props.onRemove} data-testid={`${id}-remove`}>
          {t('notify.remove')}
        </button>
      </div>
      <FieldIssues issues={issuesExactlyAt(props.issues, path)} testId={`${id}-issue`} />

      <div role="group" aria-label={t('notify.when')}>
        <span className="muted small">{t('notify.when')}</span>
        <div className="grid">
          {STATUS_CONDITIONS.map((status) => (
            <label key={status} className="field checkbox-field">
              <span>{t(`notify.on.${status}`)}</span>
              <input type="checkbox" name={`${id}-on-${status}`} checked={choice[status]} onChange={(e) => setChoice({ [status]: e.target.checked })} />
            </label>
          ))}
          <ThresholdField
            name={`${id}-rejected-over`}
            label={t('notify.on.rejectedOver')}
            value={choice.rejectedOver}
            placeholder="5%"
            onChange={(rejectedOver) => setChoice({ rejectedOver })}
            invalid={choice.rejectedOver !== null && !REJECTED_OVER.test(choice.rejectedOver.trim())}
            invalidText={t('notify.rejectedOverInvalid')}
            help={t('notify.rejectedOverHelp')}
          />
          <ThresholdField
            name={`${id}-longer-than`}
            label={t('notify.on.longerThan')}
            value={choice.longerThan}
            placeholder="30m"
            onChange={(longerThan) => setChoice({ longerThan })}
            invalid={choice.longerThan !== null && !LONGER_THAN.test(choice.longerThan.trim())}
            invalidText={t('notify.longerThanInvalid')}
            help={t('notify.longerThanHelp')}
          />
        </div>
        {noCondition && <p className="error-text small">{t('notify.needsCondition')}</p>}
        <FieldIssues issues={issuesAt(props.issues, `${path}.on`)} testId={`${id}-on-issue`} />
      </div>

      <div className="grid">
        <label className="field">
          <span>{t('notify.target')}</span>
          <select name={`${id}-target`} value={toEndpoint ? 'endpoint' : 'webhook'} onChange={(e) => chooseTarget(e.target.value)}>
            <option value="webhook">{t('notify.webhook')}</option>
            <option value="endpoint">{t('notify.endpoint')}</option>
          </select>
        </label>
      </div>

      {!toEndpoint && (
        <div className="grid">
          <label className="field wide">
            <span>{t('notify.url')}</span>
            <input name={`${id}-url`} type="url" value={url} maxLength={2048} placeholder="https://hooks.example.com/sluice" onChange={(e) => setWebhook({ url: e.target.value.trim() })} />
            {webhookUrlProblem(url) && <span className="error-text small">{t('notify.urlInvalid')}</span>}
            <FieldIssues issues={[...issuesAt(props.issues, `${path}.webhook.url`), ...issuesExactlyAt(props.issues, `${path}.webhook`)]} testId={`${id}-url-issue`} />
          </label>
          <label className="field">
            <span>{t('notify.secret')}</span>
            <select name={`${id}-secret-kind`} value={secret.kind} onChange={(e) => setSecret(e.target.value as SecretKind, secret.name)}>
              <option value="env">{t('notify.secretKind.env')}</option>
              <option value="secret">{t('notify.secretKind.secret')}</option>
            </select>
          </label>
          <label className="field">
            <span>{t('notify.secretName')}</span>
            <input name={`${id}-secret-name`} value={secret.name} maxLength={128} placeholder="HOOK_SECRET" autoComplete="off" onChange={(e) => setSecret(secret.kind, e.target.value)} />
            {secret.name !== '' && !SECRET_NAME.test(secret.name) && <span className="error-text small">{t('notify.secretNameInvalid')}</span>}
            {secret.notReference && <span className="error-text small">{t('notify.secretNotReference')}</span>}
            <FieldIssues issues={issuesAt(props.issues, `${path}.webhook.secret`)} testId={`${id}-secret-issue`} />
          </label>
          <p className="muted small wide">{t('notify.secretHelp')}</p>
        </div>
      )}

      {toEndpoint && (
        <div className="grid">
          <label className="field">
            <span>{t('notify.connection')}</span>
            <select name={`${id}-connection`} value={connection} onChange={(e) => props.onChange(withKeys(entry, { connection: e.target.value, endpoint: '' }))}>
              <option value="">{t('notify.chooseConnection')}</option>
              {connection !== '' && !httpConnections.some((c) => c.name === connection) && <option value={connection}>{connection}</option>}
              {httpConnections.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} ({c.connector})
                </option>
              ))}
            </select>
            <FieldIssues issues={issuesAt(props.issues, `${path}.connection`)} testId={`${id}-connection-issue`} />
          </label>
          <label className="field">
            <span>{t('notify.endpointName')}</span>
            <select name={`${id}-endpoint`} value={endpoint} onChange={(e) => props.onChange(withKeys(entry, { endpoint: e.target.value }))}>
              <option value="">{t('notify.chooseEndpoint')}</option>
              {endpoint !== '' && !endpoints.some((e) => e.name === endpoint) && <option value={endpoint}>{endpoint}</option>}
              {endpoints.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name} ({e.operation})
                </option>
              ))}
            </select>
            <FieldIssues issues={[...issuesAt(props.issues, `${path}.endpoint`), ...issuesAt(props.issues, `${path}.row`)]} testId={`${id}-endpoint-issue`} />
          </label>
          {rowFields.length > 0 && <p className="muted small wide">{t('notify.rowFields', { fields: rowFields.join(', ') })}</p>}
        </div>
      )}
    </div>
  );
}

/** A condition with a value: a checkbox turns it on, then its value is typed and checked. */
function ThresholdField(props: {
  name: string;
  label: string;
  value: string | null;
  placeholder: string;
  onChange: (value: string | null) => void;
  invalid: boolean;
  invalidText: string;
  help: string;
}) {
  return (
    <>
      <label className="field checkbox-field">
        <span>{props.label}</span>
        <input type="checkbox" name={`${props.name}-on`} checked={props.value !== null} onChange={(e) => props.onChange(e.target.checked ? props.placeholder : null)} />
      </label>
      {props.value !== null && (
        <label className="field">
          <span>{props.label}</span>
          <input name={props.name} value={props.value} maxLength={20} placeholder={props.placeholder} aria-invalid={props.invalid || undefined} onChange={(e) => props.onChange(e.target.value)} />
          <span className={props.invalid ? 'error-text small' : 'muted small'}>{props.invalid ? props.invalidText : props.help}</span>
        </label>
      )}
    </>
  );
}
