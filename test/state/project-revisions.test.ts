import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../src/state/state-store.js';
import { openStoreForEachTest, STATE_KINDS } from './state-fixtures.js';

const bundle = (text: string) => JSON.stringify({ format: 1, files: [['sluice.yaml', text]] });
const idOf = (b: string) => createHash('sha256').update(b).digest('hex');
const pause = () => new Promise((r) => setTimeout(r, 5));

describe.each(STATE_KINDS)('%s state store: project revisions', (_name, createFixture) => {
  let store: StateStore;
  openStoreForEachTest(createFixture, (s) => (store = s));

  it('stores a revision once by its id and gives it back', async () => {
    const b = bundle("version: 1\n# it's \"quoted\" ünicode\n");
    expect(await store.saveProjectRevision(idOf(b), b)).toBe(true);
    expect(await store.saveProjectRevision(idOf(b), b)).toBe(false);
    expect(await store.getProjectRevision(idOf(b))).toBe(b);
    expect(await store.getProjectRevision('f'.repeat(64))).toBeNull();
  });

  it('prunes all but the most recently used and those it is told to keep', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const b = bundle(`version: 1 # ${i}\n`);
      ids.push(idOf(b));
      await store.saveProjectRevision(idOf(b), b);
      await pause();
    }
    // Queued again: the first is now the most recently used.
    await store.saveProjectRevision(ids[0]!, bundle('version: 1 # 0\n'));
    expect(await store.pruneProjectRevisions({ keepLatest: 2, keep: [ids[1]!] })).toBe(2);
    const left = await Promise.all(ids.map(async (id) => (await store.getProjectRevision(id)) !== null));
    expect(left).toEqual([true, true, false, false, true]);
    expect(await store.pruneProjectRevisions({ keepLatest: 2, keep: [ids[1]!] })).toBe(0);
  });
});
