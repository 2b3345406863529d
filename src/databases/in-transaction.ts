/**
 * Runs `work` in one transaction through `run`: `begin`, the work, then COMMIT, or ROLLBACK and the work's error. The
 * work may return a last statement, sent with the COMMIT in one round trip (drivers that run several statements).
 */
export async function inTransaction(
  run: (sql: string) => Promise<unknown>,
  begin: string,
  work: () => Promise<string | null | void>,
): Promise<void> {
  await run(begin);
  try {
    const last = await work();
    await run(last ? `${last}; COMMIT` : 'COMMIT');
  } catch (e) {
    await run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
