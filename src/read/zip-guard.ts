import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { InputFileError } from '../core/errors.js';

/** Refuse an xlsx whose parts would inflate past this many bytes in all. */
export const MAX_UNCOMPRESSED_BYTES = 4 * 1024 ** 3;
/** Refuse a part whose declared ratio of inflated to compressed size is above this, once it is large. */
export const MAX_COMPRESSION_RATIO = 200;
export const RATIO_CHECK_FROM_BYTES = 100 * 1024 ** 2;

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;

/** One entry of a zip's central directory, as declared. */
export interface ZipEntry {
  name: string;
  flags: number;
  /** 0 stored, 8 deflated. */
  method: number;
  compressed: number;
  uncompressed: number;
  /** Where its local header starts. */
  localOffset: number;
}

/**
 * A zip's central directory, found from the end of the file: its entries in order (`'corrupt'` where
 * the directory stops making sense, and nothing after it), or why it cannot be read at all.
 */
export type ZipDirectory = { entries: Iterable<ZipEntry | 'corrupt'> } | { unreadable: 'missing' | 'zip64' | 'truncated' };

export async function readZipDirectory(handle: FileHandle): Promise<ZipDirectory> {
  const { size } = await handle.stat();
  const tailSize = Math.min(size, 22 + 65_535);
  const tail = Buffer.alloc(tailSize);
  await handle.read(tail, 0, tailSize, size - tailSize);
  let eocd = -1;
  for (let i = tailSize - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { unreadable: 'missing' };
  const count = tail.readUInt16LE(eocd + 10);
  const dirSize = tail.readUInt32LE(eocd + 12);
  const dirOffset = tail.readUInt32LE(eocd + 16);
  if (dirOffset === 0xffffffff || count === 0xffff) return { unreadable: 'zip64' };
  if (dirOffset + dirSize > size) return { unreadable: 'truncated' };
  const dir = Buffer.alloc(dirSize);
  await handle.read(dir, 0, dirSize, dirOffset);
  return { entries: directoryEntries(dir, count) };
}

function* directoryEntries(dir: Buffer, count: number): Generator<ZipEntry | 'corrupt'> {
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_SIGNATURE) {
      yield 'corrupt';
      return;
    }
    const nameLen = dir.readUInt16LE(p + 28);
    yield {
      name: dir.toString('utf8', p + 46, p + 46 + nameLen),
      flags: dir.readUInt16LE(p + 8),
      method: dir.readUInt16LE(p + 10),
      compressed: dir.readUInt32LE(p + 20),
      uncompressed: dir.readUInt32LE(p + 24),
      localOffset: dir.readUInt32LE(p + 42),
    };
    p += 46 + nameLen + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
  }
}

const UNREADABLE: Record<'missing' | 'zip64' | 'truncated', (name: string) => string> = {
  missing: (name) => `${name} is damaged or truncated (its zip directory is missing); upload the complete file again`,
  zip64: (name) => `${name} is a ZIP64 archive, which no spreadsheet needs; save it again from Excel as .xlsx`,
  truncated: (name) => `${name} is damaged or truncated; upload the complete file again`,
};

/**
 * Read the zip's central directory (declared sizes) and refuse zip bombs and damaged archives before
 * any part is inflated. The declared sizes are also what the inflater is held to.
 */
export async function checkZipBounds(path: string, name: string): Promise<void> {
  const handle = await fs.open(path, 'r');
  try {
    const directory = await readZipDirectory(handle);
    if ('unreadable' in directory) throw new InputFileError(UNREADABLE[directory.unreadable](name));
    let total = 0;
    for (const entry of directory.entries) {
      if (entry === 'corrupt') throw new InputFileError(`${name} is damaged (its zip directory is corrupt); upload the file again`);
      const { flags, compressed, uncompressed } = entry;
      if (flags & 0x1) throw new InputFileError(`${name} holds encrypted parts; remove the password and upload again`);
      total += uncompressed;
      if (uncompressed > RATIO_CHECK_FROM_BYTES && uncompressed / Math.max(1, compressed) > MAX_COMPRESSION_RATIO) {
        throw new InputFileError(`${name} would inflate to ${(uncompressed / 1024 ** 2).toFixed(0)} MB from ${(compressed / 1024).toFixed(0)} KB (a zip bomb?); it was refused`);
      }
    }
    if (total > MAX_UNCOMPRESSED_BYTES) throw new InputFileError(`${name} would inflate to ${(total / 1024 ** 3).toFixed(1)} GB, over the ${MAX_UNCOMPRESSED_BYTES / 1024 ** 3} GB limit; it was refused`);
  } finally {
    await handle.close();
  }
}
