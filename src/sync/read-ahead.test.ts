import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

/** A source that records when each batch is fetched and when the source is closed. */
function recordingSource(batches: number, log: string[], failAt?: number): AsyncIterable<number> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < batches; i++) {
          await new Promise((r) => setTimeout(r, 1));
          if (i === failAt) throw new Error(`fetch ${i} failed`);
          log.push(`fetched ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    },
  };
}

describe('readAhead', () => {
  it('yields every batch in order, fetching the next while the consumer works on the current one', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    for await (const batch of readAhead(recordingSource(3, log))) {
      await new Promise((r) => setTimeout(r, 20));
      log.push(`used ${batch}`);
      seen.push(batch);
    }
    expect(seen).toEqual([0, 1, 2]);
    // The source runs to its end while the last batch is still in use.
    expect(log).toEqual(['fetched 0', 'fetched 1', 'used 0', 'fetched 2', 'used 1', 'closed', 'used 2']);
  });

  it('closes the source when the consumer stops early', async () => {
    const log: string[] = [];
    for await (const batch of readAhead(recordingSource(10, log))) {
      if (batch === 1) break;
    }
    expect(log.at(-1)).toBe('closed');
    expect(log.filter((l) => l.startsWith('fetched')).length).toBeLessThanOrEqual(3);
  });

  it('passes a failed fetch on to the consumer', async () => {
    const log: string[] = [];
    const seen: number[] = [];
    await expect(async () => {
      for await (const batch of readAhead(recordingSource(5, log, 2))) seen.push(batch);
    }).rejects.toThrow('fetch 2 failed');
    expect(seen).toEqual([0, 1]);
    expect(log.at(-1)).toBe('closed');
  });
});
