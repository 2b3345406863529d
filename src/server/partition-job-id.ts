/** The queue job id of partition `index` of a run: the run's id (its parent job's) with `.p` and the index. */
export function partitionJobId(runId: string, index: number): string {
  return `${runId}.p${index}`;
}

/** The run and partition a job id names; null for a run's own job. */
export function partitionOfJob(jobId: string): { runId: string; index: number } | null {
  const match = /^(.+)\.p(\d{1,2})$/.exec(jobId);
  if (!match) return null;
  const index = Number(match[2]);
  return index < 64 ? { runId: match[1]!, index } : null;
}
