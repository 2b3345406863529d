import type { Endpoint } from '../../config/connector-schema.js';
import type { DeliveryItem, DeliveryResult } from '../../rows/delivery-item.js';
import type { HttpResponse } from '../../http/http-response.js';
import { responseVariable, type HttpConnection } from '../open-http-connection.js';
import { resultsAt } from './results-at.js';
import { notJson, unreadableAnswer } from './unreadable-answer.js';

/** Reads what a successful response says of the records it answers (`response:` of the endpoint). */
export interface EndpointResultReader {
  /** The outcome of one record sent alone: `success`, `error`, `record_id`. */
  single(item: DeliveryItem, response: HttpResponse): DeliveryResult;
  /** The per-record results of a batch, matched to the items sent (by `match`, else by position). */
  batch(sent: readonly DeliveryItem[], response: HttpResponse): DeliveryResult[];
  /** The remote id a lookup found (`record_id`); null: none. */
  lookup(item: DeliveryItem, response: HttpResponse): string | null;
}

const noResult = 'no result for this record in the response';

/** The record variable templates see: `{ id }`, the remote id kept from an earlier create. */
export function recordOf(item: DeliveryItem): { id: string | null } {
  return { id: item.remoteId };
}

/** Whether a response template reads the body (`response.body`, or `result`, which is the body for a single request). */
const readsBody = (template: string): boolean => /\b(?:response\.body|result)\b/.test(template);

/** A rendered id: empty means none. */
function idOf(text: string): string | null {
  const id = text.trim();
  return id === '' ? null : id;
}

/** Why a create's record counts as not delivered when record_id renders empty: a later run would create it again. */
function noIdMessage(template: string): string {
  return `the response gave no id for the new record (response.record_id ${template} rendered empty)`;
}

/** The reader of one endpoint's `response:` templates over a connection. Template errors are thrown as they come. */
export function createResultReader(connection: HttpConnection, endpoint: Endpoint): EndpointResultReader {
  const { templates, redactor } = connection;
  const res = endpoint.response;
  // The record_id template, looked up once: it is then one function call per record.
  let recordIdRenderer: ((context: object) => string) | undefined;
  const recordIdOf = (template: string): ((context: object) => string) =>
    (recordIdRenderer ??= templates.renderer(template, 'text', { role: 'response.record_id', strict: false }));
  const renderError = (context: object): string =>
    res.error ? templates.render(res.error, context, 'text', { role: 'response.error', strict: false }).trim() : '';

  return {
    single(item, response) {
      // The template is looked at only for a text body: a JSON answer (the usual one) costs one type check.
      if (res.record_id && notJson(response) && readsBody(res.record_id)) {
        return { key: item.key, ok: false, error: unreadableAnswer(redactor, response, 'the response is not JSON') };
      }
      const context = connection.context({ row: item.row, record: recordOf(item), response: responseVariable(response), result: response.body });
      if (res.success !== undefined && !templates.evaluate(res.success, context, 'response.success')) {
        const error = renderError(context) || connection.errorMessage(response) || `the response did not meet response.success (${res.success})`;
        return { key: item.key, ok: false, error };
      }
      const remoteId = res.record_id ? idOf(recordIdOf(res.record_id)(context)) : null;
      if (remoteId === null && res.record_id && item.operation === 'create') {
        return { key: item.key, ok: false, error: unreadableAnswer(redactor, response, noIdMessage(res.record_id)) };
      }
      return { key: item.key, ok: true, remoteId: remoteId ?? item.remoteId };
    },

    batch(sent, response) {
      const delivered = new Array<DeliveryResult>(sent.length);
      if (res.results === undefined) {
        // Nothing to read back: every record of a successful batch is delivered, with no template run per row.
        for (let i = 0; i < sent.length; i++) delivered[i] = { key: sent[i]!.key, ok: true, remoteId: sent[i]!.remoteId };
        return delivered;
      }
      const results = notJson(response)
        ? 'the response is not JSON'
        : response.text.trim() === ''
          ? `the response is empty, and response.results (${res.results}) reads the results from it`
          : resultsAt(res.results, response.body);
      if (typeof results === 'string') {
        // The API answered, but nothing says which records it took: none counts as delivered.
        const error = unreadableAnswer(redactor, response, results);
        for (let i = 0; i < sent.length; i++) delivered[i] = { key: sent[i]!.key, ok: false, error };
        return delivered;
      }
      // One context for every result: rendering is synchronous and keeps no reference to it.
      const context = connection.context<{ row: unknown; record: unknown; result: unknown; response: unknown }>({
        row: undefined,
        record: undefined,
        result: undefined,
        response: responseVariable(response),
      });
      // The result of each item sent, by position; `matched` says which got one (undefined is a result too).
      let byItem: unknown[];
      let matched: (i: number) => boolean;
      if (res.match !== undefined) {
        byItem = new Array<unknown>(sent.length);
        const found = new Array<boolean>(sent.length).fill(false);
        const index = new Map<string, number>();
        for (let i = 0; i < sent.length; i++) index.set(sent[i]!.key, i);
        const matchOf = templates.renderer(res.match, 'text', { role: 'response.match', strict: false });
        for (const result of results) {
          context.result = result;
          const key = matchOf(context).trim();
          const i = index.get(key);
          if (i !== undefined && !found[i]) {
            found[i] = true;
            byItem[i] = result;
          }
        }
        matched = (i) => found[i]!;
      } else {
        // Results in the order of the records sent: the i-th answers the i-th.
        byItem = results;
        matched = (i) => i < results.length;
      }
      const recordId = res.record_id ? recordIdOf(res.record_id) : null;
      // One record variable for every result, as the context: rendering keeps no reference to either.
      const record: { id: string | null } = { id: null };
      context.record = record;
      for (let i = 0; i < sent.length; i++) {
        const item = sent[i]!;
        if (!matched(i)) {
          delivered[i] = { key: item.key, ok: false, error: noResult };
          continue;
        }
        context.row = item.row;
        record.id = item.remoteId;
        context.result = byItem[i];
        if (res.success !== undefined && !templates.evaluate(res.success, context, 'response.success')) {
          const error = renderError(context) || `the API reported a failure for this record (${res.success} is false)`;
          delivered[i] = { key: item.key, ok: false, error };
          continue;
        }
        const remoteId = recordId ? idOf(recordId(context)) : null;
        if (remoteId === null && recordId && item.operation === 'create') {
          delivered[i] = { key: item.key, ok: false, error: `${noIdMessage(res.record_id!)} in its result` };
          continue;
        }
        delivered[i] = { key: item.key, ok: true, remoteId: remoteId ?? item.remoteId };
      }
      return delivered;
    },

    lookup(item, response) {
      const context = connection.context({ row: item.row, record: recordOf(item), response: responseVariable(response) });
      return idOf(recordIdOf(res.record_id!)(context));
    },
  };
}
