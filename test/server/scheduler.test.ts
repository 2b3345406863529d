import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/state/open-state-store.js';
import type { RunRecord } from '../../src/state/state-store.js';
import { startServerFixture, type ServerFixture } from './server-project.js';

let f: ServerFixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The project's sync, scheduled every second, in append mode (every run sends every row). */
async function everySecond(): Promise<ServerFixture> {
  f = await startServerFixture({ rows: 1, server: { scheduler: true, timezone: 'UTC' } });
  const file = join(f.dir, 'sluice.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('    mode: insert\n', '    mode: append\n    schedule: "* * * * * *"\n'));
  return f;
}

async function scheduledRuns(fixture: ServerFixture): Promise<RunRecord[]> {
  const runs = await fixture.server.app.inject({ method: 'GET', url: '/api/syncs/orders_to_sink/runs?limit=100', headers: fixture.auth });
  return (runs.json() as RunRecord[]).reverse();
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(50);
  }
}

describe('the scheduler', () => {
  it('picks up a schedule written to sluice.yaml, runs once per tick and shows the next run', async () => {
    const fixture = await everySecond();
    // The file changed after start: the watcher re-reads it.
    await waitFor(() => fixture.server.scheduler!.nextRunAt('sync', 'orders_to_sink') !== null, 5000);
    const { json } = { json: (await fixture.server.app.inject({ method: 'GET', url: '/api/syncs', headers: fixture.auth })).json() };
    const next = Date.parse(json[0].nextRunAt);
    expect(next - Date.now()).toBeLessThanOrEqual(1000);
    expect(json[0].schedule).toBe('* * * * * *');

    await sleep(3200);
    fixture.server.scheduler!.stop();
    const runs = await scheduledRuns(fixture);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(4);
    expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
    // One run per tick: each started in its own second.
    const seconds = runs.map((r) => r.startedAt.slice(0, 19));
    expect(new Set(seconds).size).toBe(seconds.length);
  });

  it('never overlaps a run with itself: ticks while it runs are skipped, not stacked', async () => {
    const fixture = await everySecond();
    await waitFor(() => fixture.server.scheduler!.nextRunAt('sync', 'orders_to_sink') !== null, 5000);
    fixture.sink.faults({ latency_ms: 1600 });
    await sleep(4500);
    fixture.server.scheduler!.stop();
    await waitFor(async () => (await scheduledRuns(fixture)).every((r) => r.finishedAt !== null), 5000);
    const runs = await scheduledRuns(fixture);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // 4.5 s of ticks with 1.6 s runs: at most 3 runs fit, where stacking would have made 4 or more.
    expect(runs.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1]!.finishedAt!));
    }
  });

  it('skips ticks while another process runs the sync, instead of recording failed runs', async () => {
    const fixture = await everySecond();
    await waitFor(() => fixture.server.scheduler!.nextRunAt('sync', 'orders_to_sink') !== null, 5000);
    const other = await openStateStore({ state: '.sluice', projectDir: fixture.dir, env: {} });
    try {
      const lease = { owner: 'run_cli', ttlMs: 60_000, process: { host: 'other-host', pid: 4242, scope: null } };
      await waitFor(async () => (await other.acquireLease('sync:orders_to_sink', lease)).acquired, 5000);
      const before = (await scheduledRuns(fixture)).length;
      await sleep(2500);
      const during = (await scheduledRuns(fixture)).slice(before);
      // At most one tick, checked just before the lease was taken, can still start and be refused.
      expect(during.length).toBeLessThanOrEqual(1);
      await other.releaseLease('sync:orders_to_sink', 'run_cli');
      await waitFor(async () => (await scheduledRuns(fixture)).slice(before).some((r) => r.status === 'succeeded'), 5000);
    } finally {
      fixture.server.scheduler!.stop();
      await other.close();
    }
  });

  it('drops a schedule removed from sluice.yaml', async () => {
    const fixture = await everySecond();
    await waitFor(() => fixture.server.scheduler!.nextRunAt('sync', 'orders_to_sink') !== null, 5000);
    const file = join(fixture.dir, 'sluice.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('    schedule: "* * * * * *"\n', ''));
    await waitFor(() => fixture.server.scheduler!.nextRunAt('sync', 'orders_to_sink') === null, 5000);
    expect(fixture.server.scheduler!.items()).toEqual([]);
  });
});
