import { describe, expect, it } from 'vitest';
import { keptRowJson, type DeliveryItem } from './delivery-item.js';

describe('keptRowJson', () => {
  it('gives the kept text only while the item still carries the row it was written of', () => {
    const row = { id: 1, name: 'a' };
    const item: DeliveryItem = { key: '1', operation: 'create', row, remoteId: null, rowJson: { of: row, text: '{"id":1,"name":"a"}' } };
    expect(keptRowJson(item)).toBe('{"id":1,"name":"a"}');
    // A write rule that sends another row (create-only fields left out) must not send the planner's text.
    expect(keptRowJson({ ...item, row: { id: 1 } })).toBeUndefined();
    expect(keptRowJson({ key: '1', operation: 'create', row, remoteId: null })).toBeUndefined();
  });
});
