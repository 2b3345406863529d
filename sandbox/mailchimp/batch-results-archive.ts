import { gzipSync } from 'node:zlib';

/** One result of a batch operation, as Mailchimp's results archive holds it: the operation's answer as JSON text. */
export interface BatchOperationResult {
  status_code: number;
  operation_id: string | null;
  response: string;
}

/**
 * The `.tar.gz` Mailchimp's `response_body_url` points to: a directory named after the batch, then JSON files each
 * holding an array of operation results (`perFile` a file), as a ustar archive gzipped.
 */
export function batchResultsArchive(batchId: string, results: BatchOperationResult[], perFile = 200): Buffer {
  const blocks: Buffer[] = [entry(`${batchId}/`, Buffer.alloc(0), '5')];
  for (let i = 0; i < results.length; i += perFile) {
    blocks.push(entry(`${batchId}/${String(i / perFile).padStart(4, '0')}.json`, Buffer.from(JSON.stringify(results.slice(i, i + perFile)), 'utf8'), '0'));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** One ustar entry: a 512-byte header (name, mode, size, mtime, checksum, type, magic), then the data padded to 512. */
function entry(name: string, data: Buffer, type: '0' | '5'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'ascii');
  header.write('0000000\0', 108, 'ascii');
  header.write('0000000\0', 116, 'ascii');
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write(type, 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding]);
}
