import { randomInt } from 'node:crypto';

const SUFFIX_SPACE = 36 ** 6;
let last = { ms: 0, suffix: 0 };

/**
 * A new run id, `run_20261123T093000.123Z_k3x9q2`: the UTC start time to the millisecond, then a
 * random suffix. Ids sort in creation order: within one process, ids made in the same millisecond
 * count up from the previous suffix.
 */
export function newRunId(now: Date = new Date()): string {
  let ms = now.getTime();
  let suffix: number;
  if (ms <= last.ms) {
    // Same millisecond (or a clock step back): keep the previous time and count up.
    ms = last.ms;
    suffix = last.suffix + 1;
    if (suffix >= SUFFIX_SPACE) {
      ms += 1;
      suffix = randomInt(SUFFIX_SPACE / 2);
    }
  } else {
    // Half the space: leaves room to count up within a millisecond.
    suffix = randomInt(SUFFIX_SPACE / 2);
  }
  last = { ms, suffix };
  const iso = new Date(ms).toISOString(); // 2026-11-23T09:30:00.123Z
  const stamp = iso.replace(/[-:]/g, '');
  return `run_${stamp}_${suffix.toString(36).padStart(6, '0')}`;
}
