/**
 * A DEFLATE decoder (RFC 1951) that never writes past a ceiling: the raw-DEFLATE body of the
 * `gzip` (RFC 1952) and `zlib` (RFC 1950) codecs and of blosc's zlib streams.
 *
 * Why not fflate's own decoder: `inflateSync` grows its output without limit (a 2 MB bomb
 * inflates to gigabytes before any check can run), and with a fixed `out` buffer it silently
 * drops the bytes past the buffer but keeps decoding to the end of the stream (all the CPU time,
 * and an overflow it does not report); its streaming `Inflate` can only be stopped between
 * pushes, and one push of n input bytes may emit 1032·n bytes, while small pushes make it 2–3×
 * slower (each allocates a 160 KiB buffer). This is fflate 0.8's one-shot decoder (MIT License,
 * © Arjun Barrett), ported to TypeScript without the streaming state, with one change: before
 * every literal, match or stored block it checks the output against the ceiling and throws
 * {@link InflateLimitError} at the first byte past it. Same speed as `inflateSync` with a
 * preallocated buffer.
 * @module
 */

const u8 = Uint8Array;
const u16 = Uint16Array;

/** Extra bits of the length codes 257–285 (RFC 1951 §3.2.5). */
const fleb = new u8([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0, 0, 0, 0,
]);
/** Extra bits of the distance codes 0–29 (RFC 1951 §3.2.5). */
const fdeb = new u8([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
  0, 0,
]);
/** Order of the code length code lengths (RFC 1951 §3.2.7). */
const clim = new u8([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

/** Base values of codes with `eb` extra bits, starting at `start`. */
function bases(eb: Uint8Array, start: number): Uint16Array {
  const b = new u16(31);
  for (let i = 0; i < 31; ++i) b[i] = start += 1 << (i === 0 ? 0 : eb[i - 1]!);
  return b;
}
/** Base lengths of the length codes 257–285. */
const fl = bases(fleb, 2);
fl[28] = 258;
/** Base distances of the distance codes 0–29. */
const fd = bases(fdeb, 0);

/** 15-bit bit reversal. */
const rev = new u16(32768);
for (let i = 0; i < 32768; ++i) {
  let x = ((i & 0xaaaa) >> 1) | ((i & 0x5555) << 1);
  x = ((x & 0xcccc) >> 2) | ((x & 0x3333) << 2);
  x = ((x & 0xf0f0) >> 4) | ((x & 0x0f0f) << 4);
  rev[i] = (((x & 0xff00) >> 8) | ((x & 0x00ff) << 8)) >> 1;
}

/**
 * The decoding table of the canonical Huffman code with code lengths `cd` (max `mb` bits):
 * indexed by the next `mb` bits of input (LSB first), it holds `symbol << 4 | code length`.
 */
function hMap(cd: Uint8Array, mb: number): Uint16Array {
  const s = cd.length;
  const l = new u16(mb);
  for (let i = 0; i < s; ++i) if (cd[i]) ++l[cd[i]! - 1]!;
  const le = new u16(mb);
  for (let i = 1; i < mb; ++i) le[i] = (le[i - 1]! + l[i - 1]!) << 1;
  const co = new u16(1 << mb);
  const rvb = 15 - mb;
  for (let i = 0; i < s; ++i) {
    const len = cd[i]!;
    if (len) {
      const sv = (i << 4) | len;
      const r = mb - len;
      let v = le[len - 1]!++ << r;
      for (const m = v | ((1 << r) - 1); v <= m; ++v) co[rev[v]! >> rvb] = sv;
    }
  }
  return co;
}

/** Fixed literal/length code (RFC 1951 §3.2.6). */
const flt = new u8(288);
for (let i = 0; i < 144; ++i) flt[i] = 8;
for (let i = 144; i < 256; ++i) flt[i] = 9;
for (let i = 256; i < 280; ++i) flt[i] = 7;
for (let i = 280; i < 288; ++i) flt[i] = 8;
/** Fixed distance code. */
const fdt = new u8(32).fill(5);
const flrm = hMap(flt, 9);
const fdrm = hMap(fdt, 5);

function max(a: Uint8Array): number {
  let m = a[0]!;
  for (let i = 1; i < a.length; ++i) if (a[i]! > m) m = a[i]!;
  return m;
}
/** Up to 9 bits at bit position `p`, masked by `m`. Reads past the end give zeros. */
function bits(d: Uint8Array, p: number, m: number): number {
  const o = (p / 8) | 0;
  return (((d[o] ?? 0) | ((d[o + 1] ?? 0) << 8)) >> (p & 7)) & m;
}
/** At least 16 bits at bit position `p` (unmasked). */
function bits16(d: Uint8Array, p: number): number {
  const o = (p / 8) | 0;
  return ((d[o] ?? 0) | ((d[o + 1] ?? 0) << 8) | ((d[o + 2] ?? 0) << 16)) >> (p & 7);
}
/** The byte position after bit position `p`. */
const shft = (p: number): number => ((p + 7) / 8) | 0;

/** The output would exceed the ceiling: thrown at the first byte past it. */
export class InflateLimitError extends Error {
  /** The ceiling in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(`inflates to more than ${limit} bytes`);
    this.name = "InflateLimitError";
    this.limit = limit;
  }
}

/** Options of {@link inflateBounded}. */
export interface InflateOptions {
  /**
   * Most bytes the output may hold (the ceiling; default unlimited). One byte more throws
   * {@link InflateLimitError} before it is written.
   */
  readonly maxBytes?: number;
  /**
   * A buffer to decode into (when the exact size is known, e.g. from a gzip trailer); the
   * ceiling is then at most its length, and the result is a view of it. Otherwise the output
   * buffer starts at a few times the input size and doubles as needed, never past the ceiling.
   */
  readonly out?: Uint8Array;
}

/** The result of {@link inflateBounded}. */
export interface Inflated {
  /** The decoded bytes. */
  readonly bytes: Uint8Array;
  /** Offset in bytes of the first input byte after the final block (where a trailer starts). */
  readonly end: number;
}

/**
 * Decodes the raw DEFLATE stream (RFC 1951) at the start of `data`, up to its final block.
 * Allocates at most the ceiling (plus the growth of a doubling buffer below it).
 * @throws InflateLimitError at the first output byte past the ceiling; Error ("unexpected EOF",
 *   "invalid block type", "invalid length/literal", "invalid distance") when the stream is
 *   truncated or corrupt.
 */
export function inflateBounded(data: Uint8Array, options: InflateOptions = {}): Inflated {
  const given = options.out;
  const limit = Math.min(options.maxBytes ?? Number.POSITIVE_INFINITY, given?.length ?? Infinity);
  let buf = given ?? new u8(Math.min(limit, Math.max(65536, data.length * 4)));
  /** Makes room for `need` bytes of output, or throws at the ceiling. */
  const grow = (need: number): void => {
    if (need > limit) throw new InflateLimitError(limit);
    const next = new u8(Math.min(limit, Math.max(buf.length * 2, need)));
    next.set(buf);
    buf = next;
  };
  const sl = data.length;
  const tbts = sl * 8;
  let final = 0;
  let pos = 0;
  let bt = 0;
  do {
    final = bits(data, pos, 1);
    const type = bits(data, pos + 1, 3);
    pos += 3;
    let lm: Uint16Array;
    let dm: Uint16Array;
    let lbt: number;
    let dbt: number;
    if (type === 0) {
      // stored block: LEN, NLEN, then LEN bytes from the next byte boundary
      const s = shft(pos) + 4;
      const l = (data[s - 4] ?? 0) | ((data[s - 3] ?? 0) << 8);
      const t = s + l;
      if (t > sl) throw new Error("unexpected EOF");
      if (bt + l > buf.length) grow(bt + l);
      buf.set(data.subarray(s, t), bt);
      bt += l;
      pos = t * 8;
      continue;
    }
    if (type === 1) {
      lm = flrm;
      dm = fdrm;
      lbt = 9;
      dbt = 5;
    } else if (type === 2) {
      const hLit = bits(data, pos, 31) + 257;
      const hcLen = bits(data, pos + 10, 15) + 4;
      const tl = hLit + bits(data, pos + 5, 31) + 1;
      pos += 14;
      const ldt = new u8(tl);
      const clt = new u8(19);
      for (let i = 0; i < hcLen; ++i) clt[clim[i]!] = bits(data, pos + i * 3, 7);
      pos += hcLen * 3;
      const clb = max(clt);
      const clbmsk = (1 << clb) - 1;
      const clm = hMap(clt, clb);
      for (let i = 0; i < tl; ) {
        const r = clm[bits(data, pos, clbmsk)]!;
        pos += r & 15;
        const s = r >> 4;
        if (s < 16) {
          ldt[i++] = s;
        } else {
          let c = 0;
          let n = 0;
          if (s === 16) {
            n = 3 + bits(data, pos, 3);
            pos += 2;
            c = ldt[i - 1] ?? 0;
          } else if (s === 17) {
            n = 3 + bits(data, pos, 7);
            pos += 3;
          } else if (s === 18) {
            n = 11 + bits(data, pos, 127);
            pos += 7;
          }
          while (n--) ldt[i++] = c;
        }
      }
      const lt = ldt.subarray(0, hLit);
      const dt = ldt.subarray(hLit);
      lbt = max(lt);
      dbt = max(dt);
      lm = hMap(lt, lbt);
      dm = hMap(dt, dbt);
    } else {
      throw new Error("invalid block type");
    }
    if (pos > tbts) throw new Error("unexpected EOF");
    const lms = (1 << lbt) - 1;
    const dms = (1 << dbt) - 1;
    let cap = buf.length;
    for (;;) {
      const c = lm[bits16(data, pos) & lms]!;
      const sym = c >> 4;
      pos += c & 15;
      if (pos > tbts) throw new Error("unexpected EOF");
      if (!c) throw new Error("invalid length/literal");
      if (sym < 256) {
        if (bt >= cap) {
          grow(bt + 1);
          cap = buf.length;
        }
        buf[bt++] = sym;
      } else if (sym === 256) {
        break;
      } else {
        let add = sym - 254;
        if (sym > 264) {
          const i = sym - 257;
          const b = fleb[i]!;
          add = bits(data, pos, (1 << b) - 1) + fl[i]!;
          pos += b;
        }
        const d = dm[bits16(data, pos) & dms]!;
        const dsym = d >> 4;
        if (!d) throw new Error("invalid distance");
        pos += d & 15;
        let dist = fd[dsym]!;
        if (dsym > 3) {
          const b = fdeb[dsym]!;
          dist += bits16(data, pos) & ((1 << b) - 1);
          pos += b;
        }
        if (pos > tbts) throw new Error("unexpected EOF");
        if (bt < dist) throw new Error("invalid distance");
        const end = bt + add;
        if (end > cap) {
          grow(end);
          cap = buf.length;
        }
        for (; bt < end; ++bt) buf[bt] = buf[bt - dist]!;
      }
    }
  } while (!final);
  const bytes = given || bt === buf.length ? buf.subarray(0, bt) : buf.slice(0, bt);
  return { bytes, end: shft(pos) };
}
