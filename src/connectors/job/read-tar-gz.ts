import { gunzipSync } from 'node:zlib';

/** One regular file of an archive. */
export interface ArchiveFile {
  name: string;
  data: Buffer;
}

/** How much an archive may unpack to, and how many entries it may hold: an archive is the API's, not ours. */
export interface ArchiveLimits {
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

const BLOCK = 512;

/**
 * The regular files of a gzipped tar archive (ustar, with pax and GNU long-name headers skipped), in archive order.
 * Gunzip stops at maxBytes (zlib's maxOutputLength), so a small bomb cannot fill memory; more than maxEntries entries,
 * a size field that is not octal, or an entry running past the end fail with a message saying which.
 */
export function readTarGz(bytes: Uint8Array, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): ArchiveFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: limits.maxBytes });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(String((e as Error).message))) {
      throw new Error(`the archive unpacks to more than ${limits.maxBytes} bytes`);
    }
    throw new Error(`the answer is not a gzip archive: ${(e as Error).message}`);
  }
  const files: ArchiveFile[] = [];
  let entries = 0;
  let longName: string | null = null;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    // Two zero blocks end the archive; one is enough to stop reading.
    if (header.every((b) => b === 0)) break;
    if (++entries > limits.maxEntries) throw new Error(`the archive holds more than ${limits.maxEntries} entries`);
    const sizeField = text(header, 124, 12).trim();
    if (!/^[0-7]{1,11}$/.test(sizeField)) throw new Error(`archive entry ${entries} has a size that is not octal (${JSON.stringify(sizeField)}): not a tar archive`);
    const size = parseInt(sizeField, 8);
    const start = at + BLOCK;
    if (start + size > tar.length) throw new Error(`archive entry ${entries} runs past the end of the archive`);
    const type = String.fromCharCode(header[156]!);
    const data = tar.subarray(start, start + size);
    if (type === 'L') {
      longName = text(data, 0, data.length);
    } else {
      const prefix = text(header, 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      longName = null;
      if (type === '0' || type === '\0') files.push({ name, data: Buffer.from(data) });
    }
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}

/** A NUL-terminated text field of a header. */
function text(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString('utf8');
}
