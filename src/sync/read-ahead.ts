/**
 * The same batches, with the next one always being fetched while the consumer works on the current one. Planned items
 * come from DuckDB a chunk at a time on its own threads; without this, delivery paused for every fetch, and the
 * fetch waited for delivery to ask.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      // Until it is awaited, a failed fetch must not count as unhandled: the loop will see it, or the consumer left.
      next.catch(() => {});
      yield result.value;
    }
  } finally {
    // The consumer stopped early (or a fetch failed): let the source close what it holds.
    if (!finished) await iterator.return?.();
  }
}
