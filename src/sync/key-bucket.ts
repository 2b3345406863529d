/**
 * The hash bucket (0..partitions-1) of a record key: FNV-1a over the key's UTF-16 code units, mod `partitions`. Stable
 * across processes, machines and versions, so each key of a partitioned sync belongs to one partition's job on every
 * run and every retry, and that job alone writes the key's ledger entry.
 */
export function keyBucket(key: string, partitions: number): number {
  if (partitions <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
