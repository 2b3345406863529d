import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { ConfigError } from '../../src/config/config-error.js';
import { createScheduler } from '../../src/server/scheduler.js';
import type { Project } from '../../src/config/project-schema.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const project = (timezone?: string) =>
  ({
    version: 1,
    state: '.sluice',
    connections: {},
    pipelines: {},
    syncs: { daily: { schedule: '0 9 * * *', ...(timezone ? { timezone } : {}) } },
  }) as unknown as Project;

describe("a sync's timezone", () => {
  it('reads its schedule in that zone, and in the server zone without one', () => {
    const scheduler = createScheduler({ timezone: 'UTC', onTick: async () => undefined, log: () => undefined });
    try {
      scheduler.update(project());
      expect(scheduler.nextRunAt('sync', 'daily')).toMatch(/T09:00:00\.000Z$/);
      // 09:00 in Tokyo is 00:00 UTC; a changed zone restarts the job.
      scheduler.update(project('Asia/Tokyo'));
      expect(scheduler.nextRunAt('sync', 'daily')).toMatch(/T00:00:00\.000Z$/);
      expect(scheduler.items()[0]).toMatchObject({ schedule: '0 9 * * *', timezone: 'Asia/Tokyo' });
    } finally {
      scheduler.stop();
    }
  });

  it('refuses a zone the runtime does not know, naming the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-tz-'));
    try {
      for (const zone of ['Mars/Olympus', '../../etc/passwd', 'x'.repeat(65)]) {
        await writeFile(
          join(dir, 'sluice.yaml'),
          `version: 1\nconnections:\n  db: { type: sqlite, path: a.db }\nsyncs:\n  s:\n    from: { connection: db, table: t }\n    to: { connection: db, table: u }\n    mode: append\n    schedule: "0 9 * * *"\n    timezone: "${zone}"\n`,
        );
        const error = await loadProject({ project: dir }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).issues[0]).toMatchObject({ path: 'syncs.s.timezone', line: 10 });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
