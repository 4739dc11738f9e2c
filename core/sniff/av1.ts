import { fail } from "./bytes";

/** MSB-first bit reader over `bytes[start..end)`; throws `invalid_image` on overrun. */
class BitReader {
  private bit: number;
  constructor(private readonly bytes: Uint8Array, start: number, private readonly end: number) {
    this.bit = start * 8;
  }

  f(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bit >> 3;
      if (byte >= this.end) fail("truncated AV1 sequence header");
      v = v * 2 + (((this.bytes[byte] as number) >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  uvlc(): void {
    let zeros = 0;
    while (this.f(1) === 0) if (++zeros > 32) fail("invalid AV1 sequence header");
    this.f(zeros);
  }
}

export interface SequenceInfo {
  maxWidth: number;
  maxHeight: number;
  /** color_config: matrix coefficients (2, unspecified, when not described), full range, 4:0:0. */
  matrix: number;
  fullRange: boolean;
  mono: boolean;
}

/** leb128 (AV1 spec 4.10.5); returns [value, bytes used]. */
function leb128(bytes: Uint8Array, p: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    if (p + i >= end) fail("truncated AV1 OBU");
    const b = bytes[p + i] as number;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (!(b & 0x80)) return [value, i + 1];
  }
  return fail("invalid AV1 OBU size");
}

/** AV1 spec 5.5: everything up to color_config's range. */
function sequenceHeader(bytes: Uint8Array, start: number, end: number): SequenceInfo {
  const b = new BitReader(bytes, start, end);
  const profile = b.f(3);
  if (profile > 2) fail("invalid AV1 profile");
  b.f(1); // still_picture
  const reduced = b.f(1) === 1;
  if (reduced) {
    b.f(5); // reduced still picture header: seq_level_idx[0]
  } else {
    let decoderModel = false, bufferDelayBits = 0;
    if (b.f(1)) {
      b.f(32);
      b.f(32);
      if (b.f(1)) b.uvlc();
      decoderModel = b.f(1) === 1;
      if (decoderModel) {
        bufferDelayBits = b.f(5) + 1;
        b.f(32);
        b.f(10);
      }
    }
    const initialDisplayDelay = b.f(1) === 1;
    const ops = b.f(5) + 1;
    for (let i = 0; i < ops; i++) {
      b.f(12);
      if (b.f(5) > 7) b.f(1);
      if (decoderModel && b.f(1)) b.f(2 * bufferDelayBits + 1);
      if (initialDisplayDelay && b.f(1)) b.f(4);
    }
  }
  const wBits = b.f(4) + 1, hBits = b.f(4) + 1;
  const maxWidth = b.f(wBits) + 1, maxHeight = b.f(hBits) + 1;
  if (!reduced && b.f(1)) b.f(7); // frame id numbers: delta and additional id lengths
  b.f(3); // 128x128 superblocks, filter intra, intra edge filter
  if (!reduced) {
    b.f(4); // interintra and masked compound, warped motion, dual filter
    const orderHint = b.f(1) === 1;
    if (orderHint) b.f(2); // jnt_comp, ref_frame_mvs
    const forceScreenContent = b.f(1) ? 2 : b.f(1); // seq_choose_screen_content_tools: SELECT
    if (forceScreenContent > 0 && !b.f(1)) b.f(1); // seq_choose_integer_mv, else seq_force_integer_mv
    if (orderHint) b.f(3);
  }
  b.f(3); // superres, cdef, loop restoration
  // color_config (5.5.2)
  if (b.f(1) && profile === 2) b.f(1); // high_bitdepth, twelve_bit
  const mono = profile !== 1 && b.f(1) === 1;
  let primaries = 2, transfer = 2, matrix = 2;
  if (b.f(1)) [primaries, transfer, matrix] = [b.f(8), b.f(8), b.f(8)];
  // sRGB-coded 4:4:4 (BT.709 primaries, sRGB transfer, identity) is full range without a flag.
  const fullRange = !mono && primaries === 1 && transfer === 13 && matrix === 0 ? true : b.f(1) === 1;
  return { maxWidth, maxHeight, matrix, fullRange, mono };
}

/**
 * Finds the sequence header OBU in an AV1 temporal unit (item data or av1C configOBUs) and returns
 * the largest frame size the decoder may be asked to allocate, or null if there is none.
 */
export function av1SequenceInfo(bytes: Uint8Array, start: number, end: number): SequenceInfo | null {
  let p = start;
  while (p < end) {
    const h = bytes[p] as number;
    if (h & 0x80) fail("invalid AV1 OBU header");
    const type = (h >> 3) & 15;
    let q = p + 1 + ((h >> 2) & 1);
    let size = end - q;
    if (h & 2) {
      const [v, n] = leb128(bytes, q, end);
      q += n;
      size = v;
    }
    if (q + size > end) fail("truncated AV1 OBU");
    if (type === 1) return sequenceHeader(bytes, q, q + size);
    if (type === 3 || type === 6) return null; // frame data before any sequence header
    p = q + size;
  }
  return null;
}
