import { describe, expect, it } from 'vitest';
import type { DeliveryItem, DeliveryResult } from '../rows/delivery-item.js';
import { CircuitBreaker } from './circuit-breaker.js';

const item = (key: string): DeliveryItem => ({ key, operation: 'create', row: { id: key }, remoteId: null });
const down = (key: string): DeliveryResult => ({ key, ok: false, error: `connection refused (${key})`, request: 'curl', unavailable: true });
const refused = (key: string): DeliveryResult => ({ key, ok: false, error: '400 Bad Request', request: 'curl' });
const ok = (key: string): DeliveryResult => ({ key, ok: true, remoteId: `r-${key}` });
const write = (...results: DeliveryResult[]) => ({ items: results.map((r) => item(r.key)), results });
const keys = (w: { items: DeliveryItem[] }) => w.items.map((i) => i.key);

describe('CircuitBreaker', () => {
  it('trips on the third write in a row the API could not answer, and the rows of all three stay pending', () => {
    const breaker = new CircuitBreaker();
    expect(keys(breaker.observe(write(down('a'))))).toEqual([]);
    expect(keys(breaker.observe(write(down('b'), down('c'))))).toEqual([]);
    expect(breaker.tripped).toBe(false);
    expect(keys(breaker.observe(write(down('d'))))).toEqual([]);
    expect(breaker.tripped).toBe(true);
    expect(breaker.lastError).toBe('connection refused (d)');
    // Nothing held is released as failed: the rows were never refused.
    expect(keys(breaker.release())).toEqual([]);
    // Writes in flight when it tripped: delivered and refused rows are recorded, unreachable ones dropped.
    expect(keys(breaker.observe(write(ok('e'), down('f'), refused('g'))))).toEqual(['e', 'g']);
  });

  it('releases held rows as failed when the API answers again (a blip, or one record it chokes on)', () => {
    const breaker = new CircuitBreaker();
    breaker.observe(write(down('a')));
    breaker.observe(write(down('b')));
    const settled = breaker.observe(write(ok('c')));
    expect(keys(settled)).toEqual(['a', 'b', 'c']);
    expect(settled.results.map((r) => r.ok)).toEqual([false, false, true]);
    // The streak starts over.
    breaker.observe(write(down('d')));
    breaker.observe(write(down('e')));
    expect(breaker.tripped).toBe(false);
    expect(keys(breaker.release())).toEqual(['d', 'e']);
  });

  it('a row refused for its content resets the streak; a row refused before sending says nothing', () => {
    const breaker = new CircuitBreaker();
    breaker.observe(write(down('a')));
    expect(keys(breaker.observe(write(refused('b'))))).toEqual(['a', 'b']);
    breaker.observe(write(down('c')));
    breaker.observe(write(down('d')));
    const unsent: DeliveryResult = { key: 'e', ok: false, error: 'body is not valid JSON', request: null };
    expect(keys(breaker.observe(write(unsent)))).toEqual(['e']);
    breaker.observe(write(down('f')));
    expect(breaker.tripped).toBe(true);
  });

  it('holds new writes while the ones in flight can decide a streak', () => {
    const breaker = new CircuitBreaker(3);
    expect(breaker.holdsNewWrites(3)).toBe(false);
    breaker.observe(write(down('a')));
    // Concurrency 4: the three still in flight decide it. Concurrency 1: nothing in flight, so the next one goes.
    expect(breaker.holdsNewWrites(3)).toBe(true);
    expect(breaker.holdsNewWrites(2)).toBe(true);
    expect(breaker.holdsNewWrites(1)).toBe(false);
    expect(breaker.holdsNewWrites(0)).toBe(false);
    breaker.observe(write(ok('b')));
    expect(breaker.holdsNewWrites(3)).toBe(false);
  });
});
