/**
 * Reading a ZIP archive's directory (APPNOTE.TXT 6.3: end of central directory record §4.3.16,
 * ZIP64 end of central directory record and locator §4.3.14–15, central directory file headers
 * §4.3.12, ZIP64 extended information extra field §4.5.3) from the bytes at the end of the
 * archive, with every size bounded before anything is allocated or requested. Pure: no IO.
 * @module
 */

/** One file of the archive, as its central directory header describes it. */
export interface ZipEntry {
  /** The entry's name (UTF-8), used as the store key. */
  readonly name: string;
  /** Compression method: 0 stored, 8 deflate (others are refused when read). */
  readonly method: number;
  /** General purpose bit flag (bit 0: encrypted). */
  readonly flags: number;
  /** CRC-32 of the uncompressed data. */
  readonly crc32: number;
  /** Compressed size in bytes. */
  readonly compressedSize: number;
  /** Uncompressed size in bytes. */
  readonly size: number;
  /** Offset of the local file header from the start of the archive, bytes. */
  readonly localHeaderOffset: number;
  /** Length of the central directory's name + extra fields, a hint of the local header's size. */
  readonly headerHint: number;
}

/** Where the central directory is, from the end records. */
export interface ZipEnd {
  /** Entries the archive declares. */
  readonly entries: number;
  /** Central directory size, bytes. */
  readonly cdSize: number;
  /** Central directory offset from the start of the archive, bytes. */
  readonly cdOffset: number;
  /**
   * Offset in the archive of byte 0 of the tail buffer the end records were found in, when it
   * can be told from the records (so the central directory can be sliced from the tail).
   */
  readonly tailOffset: number | undefined;
  /** The ZIP64 end record's offset when it lies outside the tail and must be read separately. */
  readonly zip64RecordOffset?: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CDFH = 0x02014b50;

/** Most bytes the end of an archive can take: the EOCD record (22) + a 65535-byte comment. */
export const MAX_TAIL_BYTES = 22 + 0xffff;

const u16 = (b: Uint8Array, p: number): number => b[p]! | (b[p + 1]! << 8);
const u32 = (b: Uint8Array, p: number): number =>
  (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
/** A little-endian uint64 as a number, or `undefined` when it is 2^53 or more. */
function u64(b: Uint8Array, p: number): number | undefined {
  const hi = u32(b, p + 4);
  if (hi >= 0x200000) return undefined;
  return hi * 0x100000000 + u32(b, p);
}

/** A malformed archive; the message says what is wrong. */
export class ZipFormatError extends Error {
  override name = "ZipFormatError";
}

/**
 * Finds the end of central directory record in `tail` (the last bytes of the archive, at most
 * {@link MAX_TAIL_BYTES}), and the ZIP64 records when present.
 * @throws ZipFormatError when there is no end record, the archive spans several disks, or a
 *   ZIP64 value passes 2^53.
 */
export function parseZipEnd(tail: Uint8Array): ZipEnd {
  let p = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD && i + 22 + u16(tail, i + 20) === tail.length) {
      p = i;
      break;
    }
  }
  if (p < 0) throw new ZipFormatError("no end of central directory record (not a ZIP archive)");
  if (u16(tail, p + 4) !== 0 || u16(tail, p + 6) !== 0) {
    throw new ZipFormatError("multi-disk (split) archives are not supported");
  }
  const entries = u16(tail, p + 10);
  const cdSize = u32(tail, p + 12);
  const cdOffset = u32(tail, p + 16);
  const locator = p - 20;
  if (locator >= 0 && u32(tail, locator) === ZIP64_LOCATOR) {
    const recordOffset = u64(tail, locator + 8);
    if (recordOffset === undefined) throw new ZipFormatError("ZIP64 record offset beyond 2^53");
    const at = locator - 56;
    if (at < 0 || u32(tail, at) !== ZIP64_EOCD) {
      return { entries, cdSize, cdOffset, tailOffset: undefined, zip64RecordOffset: recordOffset };
    }
    const z = parseZip64Record(tail.subarray(at, at + 56));
    return { ...z, tailOffset: recordOffset - at };
  }
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new ZipFormatError("ZIP64 values without a ZIP64 end of central directory locator");
  }
  // Without ZIP64 records the end record follows the central directory.
  return { entries, cdSize, cdOffset, tailOffset: cdOffset + cdSize - p };
}

/**
 * Parses a ZIP64 end of central directory record (its first 56 bytes).
 * @throws ZipFormatError when the signature is wrong or a value passes 2^53.
 */
export function parseZip64Record(b: Uint8Array): Omit<ZipEnd, "tailOffset"> {
  if (b.length < 56 || u32(b, 0) !== ZIP64_EOCD) {
    throw new ZipFormatError("bad ZIP64 end of central directory record");
  }
  const entries = u64(b, 32);
  const cdSize = u64(b, 40);
  const cdOffset = u64(b, 48);
  if (entries === undefined || cdSize === undefined || cdOffset === undefined) {
    throw new ZipFormatError("ZIP64 sizes beyond 2^53");
  }
  return { entries, cdSize, cdOffset };
}

const decoder = new TextDecoder();

/**
 * The entries of the central directory `cd` (exactly `cdSize` bytes): files only (names ending
 * in `/` are directories and skipped); a later entry of the same name replaces an earlier one.
 * @throws ZipFormatError when a header is truncated or malformed, or a value passes 2^53.
 */
export function parseCentralDirectory(cd: Uint8Array, declared: number): Map<string, ZipEntry> {
  const out = new Map<string, ZipEntry>();
  let p = 0;
  let count = 0;
  while (p < cd.length) {
    if (p + 46 > cd.length || u32(cd, p) !== CDFH) {
      throw new ZipFormatError(`bad central directory header at byte ${p}`);
    }
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length)
      throw new ZipFormatError(`central directory header at byte ${p} is truncated`);
    let compressedSize = u32(cd, p + 20);
    let size = u32(cd, p + 24);
    let localHeaderOffset = u32(cd, p + 42);
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      const z = zip64Extra(extra);
      let q = 0;
      const next = (): number => {
        const v = z === undefined || q + 8 > z.length ? undefined : u64(z, q);
        q += 8;
        if (v === undefined) throw new ZipFormatError(`entry at byte ${p}: bad ZIP64 extra field`);
        return v;
      };
      if (size === 0xffffffff) size = next();
      if (compressedSize === 0xffffffff) compressedSize = next();
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
    }
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    if (!name.endsWith("/")) {
      out.set(name, {
        name,
        method: u16(cd, p + 10),
        flags: u16(cd, p + 8),
        crc32: u32(cd, p + 16),
        compressedSize,
        size,
        localHeaderOffset,
        headerHint: nameLen + extraLen,
      });
    }
    count++;
    p = end;
  }
  if (count !== declared) {
    throw new ZipFormatError(
      `the central directory holds ${count} entries, the end record says ${declared}`,
    );
  }
  return out;
}

/** The data of the ZIP64 extended information extra field (header ID 0x0001), if present. */
function zip64Extra(extra: Uint8Array): Uint8Array | undefined {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = u16(extra, p);
    const len = u16(extra, p + 2);
    if (id === 0x0001) return extra.subarray(p + 4, Math.min(extra.length, p + 4 + len));
    p += 4 + len;
  }
  return undefined;
}

/**
 * The offset of an entry's data from its local file header (30 + name + extra lengths), from
 * the first bytes of the local header. When `name` is given, the local header's name must be it
 * (as Python's `zipfile` checks), so that a corrupt central directory name cannot hand one
 * entry's bytes out under another entry's key.
 * @throws ZipFormatError when the local header signature is wrong, `head` is shorter than 30 or
 *   than the name, or the names differ.
 */
export function localDataOffset(head: Uint8Array, name?: string): number {
  if (head.length < 30 || u32(head, 0) !== 0x04034b50)
    throw new ZipFormatError("bad local file header");
  const nameLen = u16(head, 26);
  if (name !== undefined) {
    if (head.length < 30 + nameLen) throw new ZipFormatError("local file header is truncated");
    const local = decoder.decode(head.subarray(30, 30 + nameLen));
    if (local !== name) {
      throw new ZipFormatError(
        `the local header names ${JSON.stringify(local)}, the central directory ${JSON.stringify(name)}`,
      );
    }
  }
  return 30 + nameLen + u16(head, 28);
}
