import { describe, expect, it } from 'vitest';
import { PartitionProgress } from '../../src/server/partition-progress.js';
import { partitionJobId, partitionOfJob } from '../../src/server/partition-job-id.js';
import type { RunProgress } from '../../src/sync/run-sync.js';

const part = (o: Partial<RunProgress>): RunProgress => ({
  runId: 'run_1', sync: 'orders', phase: 'sending', planned: 0, sent: 0, delivered: 0, failed: 0, rate: 0, etaSeconds: null, ...o,
});

describe('a partitioned run\'s progress', () => {
  it('adds its partitions\' latest reports up: counts and rates summed, the slowest ETA, unknown while any is', () => {
    const p = new PartitionProgress();
    p.add('run_1', 0, part({ planned: 100, sent: 50, delivered: 40, failed: 1, rate: 10, etaSeconds: 6 }));
    expect(p.add('run_1', 1, part({ planned: 200, sent: 20, delivered: 20, rate: 5, etaSeconds: 36 }))).toEqual(
      part({ planned: 300, sent: 70, delivered: 60, failed: 1, rate: 15, etaSeconds: 36 }),
    );
    // A newer report of a partition replaces its older one.
    expect(p.add('run_1', 0, part({ planned: 100, sent: 100, delivered: 99, failed: 1, phase: 'done', rate: 12, etaSeconds: 0 }))).toMatchObject({ delivered: 119, rate: 5, etaSeconds: 36 });
    expect(p.add('run_1', 2, part({ phase: 'planning' }))).toMatchObject({ phase: 'sending', etaSeconds: null });
  });

  it('is still sending when every partition is done (the run ends when its job closes it), and forgets an ended run', () => {
    const p = new PartitionProgress();
    expect(p.add('run_1', 0, part({ phase: 'done', planned: 5, delivered: 5 })).phase).toBe('sending');
    p.drop('run_1');
    expect(p.has('run_1')).toBe(false);
  });

  it('seeds the partitions it has not heard from their reports in the store, never over a report it heard', () => {
    const p = new PartitionProgress();
    p.add('run_1', 1, part({ planned: 10, sent: 10, delivered: 10 }));
    const counts = { planned: 50, added: 50, changed: 0, removed: 0, unchanged: 0, delivered: 50, failed: 0, invalid: 0 };
    const stale = { ...counts, delivered: 1 };
    expect(
      p.seed('run_1', 'orders', [
        { state: 'done', counts, plan: null, error: null, sampleErrors: [] },
        { state: 'running', counts: stale, plan: null, error: null, sampleErrors: [] },
        null,
      ]),
    ).toMatchObject({ planned: 60, delivered: 60 });
  });
});

describe('partition job ids', () => {
  it('name the run and the partition, and nothing else parses as one', () => {
    expect(partitionOfJob(partitionJobId('run_20261207T193927.827Z_f6eb7o', 63))).toEqual({ runId: 'run_20261207T193927.827Z_f6eb7o', index: 63 });
    for (const id of ['run_20261207T193927.827Z_f6eb7o', 'run_x.p64', 'run_x.p', 'run_x.p123', '.p1x']) expect(partitionOfJob(id)).toBeNull();
  });
});
