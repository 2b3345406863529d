import { displayPath } from '../../config/display-path.js';
import { loadConnectorSpec } from '../../config/load-project.js';
import { loadTestCases, testCasesFile } from '../../connectors/test-cases/load-test-cases.js';
import { runTestCases } from '../../connectors/test-cases/run-test-cases.js';
import { ExitCode, type CommandContext } from '../command-context.js';

/**
 * `sluice connector test SPEC --cases`: runs the cases beside the spec (`<name>.test.yaml`) offline, one line per case
 * and the differences of each failure. Exit 1 when a case fails, 2 when the spec or the cases file is malformed.
 */
export async function runConnectorTestCases(args: { spec: string }, ctx: CommandContext): Promise<number> {
  const { file: specFile, spec } = await loadConnectorSpec(args.spec, process.cwd());
  const casesFile = testCasesFile(specFile);
  const { tests } = await loadTestCases(casesFile, spec);
  const outcomes = await runTestCases({ spec, specRef: specFile, tests });
  const failed = outcomes.filter((o) => !o.ok).length;
  if (ctx.json) {
    ctx.stdout.write(JSON.stringify({ ok: failed === 0, file: displayPath(casesFile), passed: outcomes.length - failed, failed, cases: outcomes }) + '\n');
  } else {
    const out: string[] = [`# ${spec.name}: ${displayPath(casesFile)}`];
    for (const o of outcomes) {
      out.push(`${o.ok ? '✓' : '✗'} ${o.name}`);
      for (const line of o.differences) out.push(`    ${line}`);
    }
    out.push(failed === 0 ? `${outcomes.length} passed` : `${failed} failed, ${outcomes.length - failed} passed`);
    ctx.stdout.write(out.join('\n') + '\n');
  }
  return failed === 0 ? ExitCode.ok : ExitCode.runFailed;
}
