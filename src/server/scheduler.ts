import { Cron } from 'croner';
import type { Project } from '../config/project-schema.js';

/** A sync or pipeline with a `schedule:`. */
export interface ScheduledItem {
  kind: 'sync' | 'pipeline';
  name: string;
  schedule: string;
  /** The zone its schedule is read in (a sync's `timezone:`); default: the scheduler's. */
  timezone?: string;
}

/** Options of the scheduler. */
export interface SchedulerOptions {
  /** IANA zone the cron expressions are read in (SLUICE_TIMEZONE, default UTC). */
  timezone: string;
  /** Runs one tick; the returned promise settles when the run is over (a tick meanwhile is skipped, not stacked). */
  onTick: (item: ScheduledItem) => Promise<void>;
  /**
   * Claims a tick (its time, to the second) before it runs; false: another server sharing the state has it, and this
   * one skips it. Default: every tick is this server's.
   */
  claimTick?: (item: ScheduledItem, tickAt: string) => Promise<boolean>;
  /** True while the item is paused (asked at each tick, so a pause made on another server counts at once): skipped. */
  isPaused?: (item: ScheduledItem) => Promise<boolean>;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Cron jobs for every scheduled sync and pipeline of a project. */
export interface Scheduler {
  /** Re-reads the schedules: new ones start, removed ones stop, unchanged ones keep running untouched. */
  update(project: Project): void;
  /** When the item runs next (ISO), or null when it has no schedule. */
  nextRunAt(kind: ScheduledItem['kind'], name: string): string | null;
  /** What is scheduled now. */
  items(): ScheduledItem[];
  /** The IANA zone the cron expressions are read in. */
  readonly timezone: string;
  stop(): void;
}

/** The scheduled items of a project, syncs first. */
export function scheduledItems(project: Project): ScheduledItem[] {
  const items: ScheduledItem[] = [];
  for (const [name, sync] of Object.entries(project.syncs)) if (sync.schedule) items.push({ kind: 'sync', name, schedule: sync.schedule, ...(sync.timezone ? { timezone: sync.timezone } : {}) });
  for (const [name, p] of Object.entries(project.pipelines)) if (p.schedule) items.push({ kind: 'pipeline', name, schedule: p.schedule });
  return items;
}

/** Starts croner jobs; missed ticks (the server was down) are not replayed, and a run never overlaps itself. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const jobs = new Map<string, { item: ScheduledItem; cron: Cron }>();
  const keyOf = (kind: string, name: string) => `${kind}:${name}`;

  const startJob = (item: ScheduledItem): Cron =>
    new Cron(
      item.schedule,
      {
        timezone: item.timezone ?? options.timezone,
        // croner skips a tick while the previous one's promise is pending: no stacking.
        protect: () => options.log('info', `schedule: ${item.kind} ${item.name} is still running; this tick is skipped`),
        catch: (e) => options.log('error', `schedule: ${item.kind} ${item.name}: ${e instanceof Error ? e.message : String(e)}`),
      },
      async () => {
        if (await options.isPaused?.(item)) return options.log('info', `schedule: ${item.kind} ${item.name} is paused; this tick is skipped`);
        if (options.claimTick) {
          // croner fires a few milliseconds after the scheduled second, on every server alike: rounded, one tick is one time.
          const tickAt = new Date(Math.round(Date.now() / 1000) * 1000).toISOString();
          if (!(await options.claimTick(item, tickAt))) {
            return options.log('info', `schedule: ${item.kind} ${item.name}: the tick of ${tickAt} runs on another server; skipped here`);
          }
        }
        await options.onTick(item);
      },
    );

  return {
    update(project) {
      const wanted = new Map(scheduledItems(project).map((i) => [keyOf(i.kind, i.name), i]));
      for (const [key, job] of jobs) {
        const want = wanted.get(key);
        if (want?.schedule === job.item.schedule && want.timezone === job.item.timezone) continue;
        job.cron.stop();
        jobs.delete(key);
      }
      for (const [key, item] of wanted) {
        if (jobs.has(key)) continue;
        try {
          jobs.set(key, { item, cron: startJob(item) });
        } catch (e) {
          // The project check validates cron expressions; this only guards against a croner/zone disagreement.
          options.log('error', `schedule: ${item.kind} ${item.name}: "${item.schedule}" cannot be scheduled: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    },
    nextRunAt(kind, name) {
      return jobs.get(keyOf(kind, name))?.cron.nextRun()?.toISOString() ?? null;
    },
    items: () => [...jobs.values()].map((j) => j.item),
    timezone: options.timezone,
    stop() {
      for (const job of jobs.values()) job.cron.stop();
      jobs.clear();
    },
  };
}
