import type { Endpoint } from '../../config/connector-schema.js';
import type { DeliveryItem } from '../../rows/delivery-item.js';

/** A sample row to try an endpoint with (`sluice connector test --sample`, the connector builder). */
export interface EndpointSample {
  key: string;
  row: Record<string, unknown>;
  remoteId: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One sample entry: a row, or `{ row, record: { id }, key }` to try endpoints that address a kept remote id. Its key
 * is its position from 1 unless it gives one.
 */
export function endpointSample(entry: Record<string, unknown>, index: number): EndpointSample {
  const wrapped = isObject(entry.row) && Object.keys(entry).every((k) => k === 'row' || k === 'record' || k === 'key');
  if (!wrapped) return { key: String(index + 1), row: entry, remoteId: null };
  const record = isObject(entry.record) ? entry.record : {};
  const id = record.id === undefined || record.id === null ? null : String(record.id);
  return { key: entry.key === undefined ? String(index + 1) : String(entry.key), row: entry.row as Record<string, unknown>, remoteId: id };
}

/** The delivery item a run would have for a sample sent to this endpoint (a lookup's stands for the upsert it serves). */
export function sampleItem(endpoint: Endpoint, sample: EndpointSample): DeliveryItem {
  return { key: sample.key, operation: endpoint.operation === 'lookup' ? 'upsert' : endpoint.operation, row: sample.row, remoteId: sample.remoteId };
}
