import { fail } from "./bytes";

/**
 * Validating zlib/DEFLATE walker (RFC 1950/1951) that decodes the stream but keeps only the last
 * 32 KiB of output (the window back-references reach into): it counts output bytes, checks every
 * back-reference against the bytes produced so far, and shows the caller the bytes at the
 * positions it asks for (`OutputProbe`: PNG filter-type bytes). It proves the stream is well-formed
 * and inflates to exactly `expected` bytes, and stops as soon as the output would exceed that (a
 * decompression bomb costs O(compressed bits + expected), not O(output)). Memory: two small code
 * tables and the window. The Adler-32 trailer is only required to be present.
 */

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

const FAST = 10;
/** Back-references reach 32 KiB; output is kept in a 96 KiB buffer slid back by 64 KiB when full. */
const WSIZE = 32768;
const WBUF = 3 * WSIZE;

/**
 * Output positions the caller wants to see, in increasing order: `next` is the next one (Infinity
 * when there are none left) and `check` is given the byte there; it throws to refuse the stream, or
 * moves `next` on.
 */
export interface OutputProbe {
  next: number;
  check(value: number): void;
}

/**
 * Canonical Huffman code: a 2^10-entry lookup of (symbol << 4 | length) for short codes, and the
 * "puff" form (codes per length + symbols in code order) for the rare longer ones.
 */
class Huffman {
  readonly count = new Uint16Array(16);
  readonly symbol: Uint16Array;
  readonly fast = new Uint16Array(1 << FAST);

  /** `allowSingle`: like zlib, accept an incomplete code only if it has at most one 1-bit code. */
  constructor(lengths: ArrayLike<number>, n: number, what: string, allowSingle: boolean) {
    this.symbol = new Uint16Array(n);
    for (let s = 0; s < n; s++) this.count[lengths[s] as number]!++;
    this.count[0] = 0;
    let left = 1;
    let max = 0;
    for (let len = 1; len <= 15; len++) {
      left = (left << 1) - (this.count[len] as number);
      if (left < 0) fail(`corrupt compressed data (over-subscribed ${what} code)`);
      if ((this.count[len] as number) > 0) max = len;
    }
    if (left > 0 && !(allowSingle && max <= 1)) fail(`corrupt compressed data (incomplete ${what} code)`);
    const offs = new Uint16Array(16);
    const next = new Uint16Array(16);
    for (let len = 1; len < 15; len++) offs[len + 1] = (offs[len] as number) + (this.count[len] as number);
    for (let len = 1, code = 0; len <= 15; len++) {
      code = (code + (this.count[len - 1] as number)) << 1;
      next[len] = code;
    }
    for (let s = 0; s < n; s++) {
      const l = lengths[s] as number;
      if (l === 0) continue;
      this.symbol[offs[l]!++] = s;
      const code = next[l]!++;
      if (l > FAST) continue;
      let rev = 0;
      for (let i = 0; i < l; i++) rev |= ((code >> i) & 1) << (l - 1 - i);
      for (let j = rev; j < 1 << FAST; j += 1 << l) this.fast[j] = (s << 4) | l;
    }
  }
}

/** LSB-first bit reader with a 32-bit buffer, over a stream split into parts (IDAT chunks). */
class Bits {
  private seg = 0;
  private pos = 0;
  private cur: Uint8Array;
  private buf = 0;
  private cnt = 0;
  constructor(private readonly parts: readonly Uint8Array[]) {
    this.cur = parts[0] ?? new Uint8Array(0);
  }

  private fill(): void {
    while (this.cnt <= 24) {
      while (this.pos >= this.cur.length) {
        if (this.seg + 1 >= this.parts.length) return;
        this.cur = this.parts[++this.seg] as Uint8Array;
        this.pos = 0;
      }
      this.buf |= (this.cur[this.pos++] as number) << this.cnt;
      this.cnt += 8;
    }
  }

  bits(n: number): number {
    if (this.cnt < n) {
      this.fill();
      if (this.cnt < n) fail("truncated compressed data");
    }
    const v = this.buf & ((1 << n) - 1);
    this.buf >>>= n;
    this.cnt -= n;
    return v;
  }

  alignToByte(): void {
    const drop = this.cnt & 7;
    this.buf >>>= drop;
    this.cnt -= drop;
  }

  /** After `alignToByte`: copy `n` raw bytes (stored block) to `win[at..]`. */
  copyBytes(n: number, win: Uint8Array, at: number): void {
    for (; n > 0 && this.cnt >= 8; n--) win[at++] = this.bits(8);
    while (n > 0) {
      if (this.pos >= this.cur.length) {
        if (this.seg + 1 >= this.parts.length) fail("truncated compressed data");
        this.cur = this.parts[++this.seg] as Uint8Array;
        this.pos = 0;
        continue;
      }
      const take = Math.min(n, this.cur.length - this.pos);
      win.set(this.cur.subarray(this.pos, this.pos + take), at);
      this.pos += take;
      at += take;
      n -= take;
    }
  }

  /** Whole bytes not consumed yet (after `alignToByte`). */
  remainingBytes(): number {
    let n = (this.cnt >> 3) + this.cur.length - this.pos;
    for (let i = this.seg + 1; i < this.parts.length; i++) n += (this.parts[i] as Uint8Array).length;
    return n;
  }

  decode(h: Huffman): number {
    if (this.cnt < FAST) this.fill();
    const e = h.fast[this.buf & ((1 << FAST) - 1)] as number;
    if (e !== 0 && (e & 15) <= this.cnt) {
      this.buf >>>= e & 15;
      this.cnt -= e & 15;
      return e >> 4;
    }
    let code = 0, first = 0, index = 0;
    for (let len = 1; len <= 15; len++) {
      code |= this.bits(1);
      const count = h.count[len] as number;
      if (code - count < first) return h.symbol[index + (code - first)] as number;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return fail("corrupt compressed data (invalid Huffman code)");
  }
}

let fixed: { lit: Huffman; dist: Huffman } | null = null;
function fixedCodes(): { lit: Huffman; dist: Huffman } {
  if (!fixed) {
    const l = new Uint8Array(288);
    l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixed = { lit: new Huffman(l, 288, "literal", false), dist: new Huffman(new Uint8Array(32).fill(5), 32, "distance", false) };
  }
  return fixed;
}

function dynamicCodes(b: Bits): { lit: Huffman; dist: Huffman } {
  const nlen = b.bits(5) + 257, ndist = b.bits(5) + 1, ncode = b.bits(4) + 4;
  if (nlen > 286 || ndist > 30) fail("corrupt compressed data (bad code counts)");
  const cl = new Uint8Array(19);
  for (let i = 0; i < ncode; i++) cl[CL_ORDER[i] as number] = b.bits(3);
  const clh = new Huffman(cl, 19, "code length", false);
  const lengths = new Uint8Array(nlen + ndist);
  for (let i = 0; i < nlen + ndist; ) {
    const sym = b.decode(clh);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    let value = 0, rep: number;
    if (sym === 16) {
      if (i === 0) fail("corrupt compressed data (repeat with no previous length)");
      value = lengths[i - 1] as number;
      rep = 3 + b.bits(2);
    } else rep = sym === 17 ? 3 + b.bits(3) : 11 + b.bits(7);
    if (i + rep > nlen + ndist) fail("corrupt compressed data (too many code lengths)");
    lengths.fill(value, i, i + rep);
    i += rep;
  }
  if (lengths[256] === 0) fail("corrupt compressed data (no end-of-block code)");
  return {
    lit: new Huffman(lengths.subarray(0, nlen), nlen, "literal", true),
    dist: new Huffman(lengths.subarray(nlen), ndist, "distance", true),
  };
}

/** `win[to..end) = win[to-d..end-d)`, byte by byte in effect (the source may overlap the output). */
function copyMatch(win: Uint8Array, to: number, end: number, d: number): void {
  // A distance shorter than the length repeats the last `d` bytes: copy them, then twice as many...
  for (let p = to; p < end; ) {
    const n = Math.min(d, end - p);
    win.copyWithin(p, p - d, p - d + n);
    p += n;
    d += n;
  }
}

/** Keeps the last 32 KiB of output at the start of the buffer; returns the new base. */
function slide(win: Uint8Array, base: number, out: number): number {
  win.copyWithin(0, out - base - WSIZE, out - base);
  return out - WSIZE;
}

const NO_PROBE: OutputProbe = { next: Infinity, check: () => undefined };

/**
 * Validates a complete zlib stream (given as consecutive parts) that must inflate to `expected`
 * bytes, showing `probe` the output bytes it asks for.
 */
export function validateZlib(parts: readonly Uint8Array[], expected: number, what: string, probe: OutputProbe = NO_PROBE): void {
  const b = new Bits(parts);
  const cmf = b.bits(8), flg = b.bits(8);
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    fail(`${what}: bad zlib header`);
  }
  // Output byte `i` is at win[i - base]; the window is slid before any write could pass its end.
  const win = new Uint8Array(WBUF);
  let base = 0;
  let out = 0;
  let last = 0;
  let next = probe.next;
  while (!last) {
    last = b.bits(1);
    const type = b.bits(2);
    if (type === 0) {
      b.alignToByte();
      const len = b.bits(16), nlen = b.bits(16);
      if ((len ^ 0xffff) !== nlen) fail(`${what}: corrupt stored block`);
      // 16 KiB at a time: the buffer slides between pieces, and a probed byte is seen before the next.
      for (let done = 0; done < len; ) {
        if (out - base > 2 * WSIZE) base = slide(win, base, out);
        const n = Math.min(len - done, WSIZE >> 1);
        b.copyBytes(n, win, out - base);
        out += n;
        done += n;
        for (; next < out; next = probe.next) probe.check(win[next - base] as number);
      }
    } else if (type === 1 || type === 2) {
      const { lit, dist } = type === 1 ? fixedCodes() : dynamicCodes(b);
      for (;;) {
        if (out - base > 2 * WSIZE) base = slide(win, base, out);
        const sym = b.decode(lit);
        if (sym < 256) {
          win[out - base] = sym;
          if (out === next) {
            probe.check(sym);
            next = probe.next;
          }
          out++;
        } else if (sym === 256) break;
        else {
          const li = sym - 257;
          if (li >= 29) fail(`${what}: invalid length code`);
          const length = (LEN_BASE[li] as number) + b.bits(LEN_EXTRA[li] as number);
          const ds = b.decode(dist);
          if (ds >= 30) fail(`${what}: invalid distance code`);
          const d = (DIST_BASE[ds] as number) + b.bits(DIST_EXTRA[ds] as number);
          if (d > out) fail(`${what}: invalid distance too far back`);
          const to = out - base, end = to + length;
          if (length < 32) for (let p = to; p < end; p++) win[p] = win[p - d] as number;
          else copyMatch(win, to, end, d);
          out += length;
          for (; next < out; next = probe.next) probe.check(win[next - base] as number);
        }
        if (out > expected) fail(`${what}: more image data than the header allows`);
      }
    } else fail(`${what}: invalid block type`);
    if (out > expected) fail(`${what}: more image data than the header allows`);
  }
  if (out < expected) fail(`${what}: image data is truncated`);
  b.alignToByte();
  // Adler-32 (4 bytes) must follow the final block, and nothing after it.
  const rest = b.remainingBytes();
  if (rest < 4) fail(`${what}: truncated compressed data`);
  if (rest > 4) fail(`${what}: extra data after the compressed stream`);
}
