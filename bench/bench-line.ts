/** One benchmark result as the report prints it. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same work done the bare way in the same run (the bare driver, bare undici, bare node). */
  reference?: { value: number; unit?: string };
  /** value/reference, unless given: the median of paired trials' ratios when the bench alternates many short trials. */
  ratio?: number;
  /** The goal, e.g. ">= 0.8" on the ratio (`<=` where smaller is better), or "<= 300" on the value. */
  goal: string;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toString() : n.toFixed(2));

/** `name: 123456 rows/s (reference 150000 rows/s, ratio 0.82, goal >= 0.8)` */
export function formatBenchLine(r: BenchResult): string {
  if (!r.reference) return `${r.name}: ${fmt(r.value)} ${r.unit} (goal ${r.goal})`;
  const ratio = r.ratio ?? r.value / r.reference.value;
  return `${r.name}: ${fmt(r.value)} ${r.unit} (reference ${fmt(r.reference.value)} ${r.reference.unit ?? r.unit}, ratio ${ratio.toFixed(2)}, goal ${r.goal})`;
}

/** Prints results, one line each. */
export function printBench(results: BenchResult[]): void {
  for (const r of results) process.stdout.write(formatBenchLine(r) + '\n');
}
