import { fail, Reader, startsWith } from "./bytes";
import { exifOrientation } from "./exif";
import { checkSize, MetaBudget } from "./limits";
import { isBmffChain } from "./bmff";
import { assertNoActiveContent, assertSmallTrailer } from "./polyglot";
import { checkSef, readSef } from "./sef";
import type { Limits, Parsed } from "./types";

/**
 * Coding processes. We accept the three Huffman DCT processes every decoder and browser supports:
 * SOF0 baseline, SOF1 extended sequential, SOF2 progressive (8-bit samples only).
 * Lossless (SOF3), hierarchical (SOF5-7), arithmetic (SOF9-11) and their combinations (SOF13-15)
 * and JPEG-LS (SOF55) are legal JPEG but browsers cannot display them and our WASM decoders are
 * 8-bit Huffman builds: they are refused as `unsupported_media_type` (415, "send it in a format we
 * support"), not `invalid_image` (the file is not corrupt). The same goes for 12-bit precision.
 */
const SUPPORTED_SOF = new Set([0xc0, 0xc1, 0xc2]);
const UNSUPPORTED_SOF = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7]);
/**
 * Scan bombs: libjpeg walks every block of the image for every scan of a progressive JPEG, so
 * decoding costs about scans x pixels (0.6 ms per scan per megapixel in the resize Worker: 990
 * empty scans on a 19.2 MP image take 11.4 s against 0.23 s for the same image with its 10). A
 * frame may have at most `maxScans(w, h)` = min(MAX_SCANS, max(MIN_SCANS, MAX_SCAN_PIXELS / (w*h)))
 * scans: 5e9 scan-pixels is about 3 s of decode (250 scans at 20 MP, 66 at 75 MP, the largest
 * default size). Real files have ~10 scans (libjpeg's default script), rarely more than 20-30
 * (custom jpegtran scripts); MIN_SCANS keeps them whatever the configured pixel limit.
 */
const MAX_SCANS = 1000;
const MIN_SCANS = 64;
const MAX_SCAN_PIXELS = 5e9;

function maxScans(frame: Frame): number {
  return Math.min(MAX_SCANS, Math.max(MIN_SCANS, Math.floor(MAX_SCAN_PIXELS / (frame.width * frame.height))));
}
/** Opaque data after EOI that is not padding, an appended JPEG or an MP4 (see `checkTrailer`). */
export const MAX_JPEG_TRAILER = 64 * 1024;
/** Embedded JPEG streams walked per file: MPF images after EOI and dual-shot images in a Samsung trailer. */
const MAX_EMBEDDED_JPEGS = 32;

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  components: Map<number, number>; // component id -> quantisation table
}

interface Walk {
  end: number;
  frame: Frame;
  orientation: number;
}

function parseSof(seg: Reader, marker: number, limits: Limits): Frame {
  const precision = seg.u8();
  const height = seg.u16be();
  const width = seg.u16be();
  const n = seg.u8();
  if (precision !== 8) fail(`${precision}-bit JPEG is not supported`, "unsupported_media_type");
  // Height 0 means "defined later by a DNL marker", which libjpeg-based decoders do not support.
  checkSize(width, height, limits, "JPEG image");
  if (n !== 1 && n !== 3 && n !== 4) fail(`JPEG with ${n} colour components`);
  if (seg.remaining !== 3 * n) fail("invalid JPEG SOF length");
  const components = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const id = seg.u8(), hv = seg.u8(), tq = seg.u8();
    const h = hv >> 4, v = hv & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3 || components.has(id)) fail("invalid JPEG component");
    components.set(id, tq);
  }
  return { width, height, progressive: marker === 0xc2, components };
}

function parseDht(seg: Reader): void {
  while (seg.remaining > 0) {
    const tcth = seg.u8();
    if (tcth >> 4 > 1 || (tcth & 15) > 3) fail("invalid JPEG Huffman table");
    let code = 0, total = 0;
    for (let len = 1; len <= 16; len++) {
      const count = seg.u8();
      total += count;
      code += count;
      // Canonical codes must fit in `len` bits, and the all-ones code is reserved (as in libjpeg).
      if (count > 0 && code >= 1 << len) fail("invalid JPEG Huffman table");
      code <<= 1;
    }
    if (total > 256) fail("invalid JPEG Huffman table");
    const symbols = seg.take(total, "JPEG Huffman table");
    if (tcth >> 4 === 0 && symbols.some((s) => s > 15)) fail("invalid JPEG DC Huffman table");
  }
}

function parseDqt(seg: Reader): number {
  let defined = 0;
  while (seg.remaining > 0) {
    const pqtq = seg.u8();
    if (pqtq >> 4 > 1 || (pqtq & 15) > 3) fail("invalid JPEG quantisation table");
    seg.skip(pqtq >> 4 ? 128 : 64, "JPEG quantisation table");
    defined |= 1 << (pqtq & 15);
  }
  return defined;
}

function parseSos(seg: Reader, frame: Frame, quant: number): void {
  const n = seg.u8();
  if (n < 1 || n > 4 || seg.remaining !== 2 * n + 3) fail("invalid JPEG SOS");
  for (let i = 0; i < n; i++) {
    const tq = frame.components.get(seg.u8());
    const tables = seg.u8();
    if (tq === undefined || tables >> 4 > 3 || (tables & 15) > 3) fail("invalid JPEG SOS component");
    if (!(quant & (1 << tq))) fail("JPEG scan uses an undefined quantisation table");
  }
  const ss = seg.u8(), se = seg.u8(), a = seg.u8();
  const ah = a >> 4, al = a & 15;
  if (!frame.progressive) {
    if (ss !== 0 || se !== 63 || a !== 0) fail("invalid JPEG sequential scan parameters");
  } else if (ss === 0 ? se !== 0 : se < ss || se > 63 || n !== 1) {
    fail("invalid JPEG progressive scan parameters");
  } else if (al > 13 || (ah !== 0 && al !== ah - 1)) {
    fail("invalid JPEG successive approximation parameters");
  }
}

/**
 * Skips entropy-coded data: stuffed 0xFF00 and RSTn (which must cycle 0..7) are data; fill bytes
 * (0xFF 0xFF...) may precede a marker. Returns the offset of the 0xFF of the next marker.
 */
function skipEntropy(bytes: Uint8Array, from: number): number {
  let i = from, rst = 0;
  for (;;) {
    const j = bytes.indexOf(0xff, i);
    if (j < 0 || j + 1 >= bytes.length) fail("truncated JPEG scan data");
    const next = bytes[j + 1] as number;
    if (next === 0x00) i = j + 2;
    else if (next === 0xff) i = j + 1;
    else if (next >= 0xd0 && next <= 0xd7) {
      if (next - 0xd0 !== rst) fail("JPEG restart markers out of order");
      rst = (rst + 1) & 7;
      i = j + 2;
    } else return j;
  }
}

/** Walks one complete JPEG stream SOI..EOI starting at `start`. */
function walkJpeg(bytes: Uint8Array, start: number, limits: Limits, meta: MetaBudget): Walk {
  const r = new Reader(bytes, start);
  if (r.u8() !== 0xff || r.u8() !== 0xd8) fail("missing JPEG SOI marker");
  let frame: Frame | null = null;
  let quant = 0, scans = 0, scanLimit = 0, orientation = 0;
  for (;;) {
    if (r.u8() !== 0xff) fail("corrupt JPEG: expected a marker");
    let m = r.u8();
    while (m === 0xff) m = r.u8();
    if (m === 0xd9) {
      if (!frame || scans === 0) fail("JPEG has no image data");
      return { end: r.pos, frame, orientation: orientation || 1 };
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; // parameterless TEM / stray RSTn: ignored
    if (m === 0x00 || m === 0xd8) fail("corrupt JPEG marker");
    const segStart = r.pos + 2;
    const len = r.u16be();
    if (len < 2) fail("invalid JPEG segment length");
    const seg = r.sub(len - 2, "JPEG segment");
    if (SUPPORTED_SOF.has(m)) {
      if (frame) fail("JPEG has more than one frame header");
      frame = parseSof(seg, m, limits);
      scanLimit = maxScans(frame);
    } else if (UNSUPPORTED_SOF.has(m)) {
      fail("lossless, hierarchical, arithmetic-coded and JPEG-LS images are not supported", "unsupported_media_type");
    } else if (m === 0xc4) parseDht(seg);
    else if (m === 0xdb) quant |= parseDqt(seg);
    else if (m === 0xdd) {
      if (len !== 4) fail("invalid JPEG DRI");
    } else if (m === 0xda) {
      if (!frame) fail("JPEG scan before frame header");
      parseSos(seg, frame, quant);
      if (++scans > scanLimit) fail(`JPEG has ${scans} scans; at most ${scanLimit} for a ${frame.width}x${frame.height} image`);
      r.pos = skipEntropy(bytes, r.pos);
    } else if ((m >= 0xe0 && m <= 0xef) || m === 0xfe) {
      if (m !== 0xe0) meta.add(len);
      assertNoActiveContent(bytes, segStart, segStart + len - 2, "JPEG metadata", m === 0xfe);
      if (m === 0xe1 && !orientation && startsWith(bytes, segStart, "Exif\0\0")) {
        orientation = exifOrientation(bytes, segStart + 6, segStart + len - 2);
      }
    } else if (m !== 0xcc && m !== 0xdc) {
      // DAC (arithmetic conditioning) and DNL are harmless alone; anything else is not JPEG.
      fail(`unknown JPEG marker 0x${m.toString(16)}`);
    }
  }
}

/**
 * Data after EOI. Allowed: NUL/0xFF padding; complete JPEG streams (MPF secondary images and
 * previews that cameras store after the primary image, validated like the primary); an MP4 made of
 * well-formed boxes up to EOF (Android "motion photos"); a Samsung SEF trailer ending the file,
 * every block checked (sef.ts); and, for other camera/maker trailers, at most 64 KiB of opaque
 * bytes free of HTML/script/archive payloads. Anything else (e.g. a ZIP or a web page glued to a
 * picture) is a polyglot and is rejected.
 */
function checkTrailer(bytes: Uint8Array, pos: number, limits: Limits, meta: MetaBudget): void {
  const sef = readSef(bytes, pos);
  const end = sef ? sef.start : bytes.length;
  let jpegs = 0;
  /**
   * What a camera embeds at `start`, up to `stop`: a complete JPEG stream, walked like the primary
   * image (it may run past `stop`: the caller decides), or an MP4 whose boxes fill the range exactly
   * (motion-photo video: it must not hide a web page either). Returns where it ends, or `start`
   * when it is neither.
   */
  const embedded = (start: number, stop: number, where: string): number => {
    if (bytes[start] === 0xff && bytes[start + 1] === 0xd8 && bytes[start + 2] === 0xff && jpegs < MAX_EMBEDDED_JPEGS) {
      jpegs++;
      return walkJpeg(bytes, start, limits, meta).end;
    }
    if (!isBmffChain(bytes, start, stop)) return start;
    assertNoActiveContent(bytes, start, stop, `video ${where}`);
    return stop;
  };
  let p = pos;
  while (p < end) {
    const next = embedded(p, end, "after the JPEG image");
    if (next !== p) p = next;
    else if (bytes[p] === 0x00 || bytes[p] === 0xff) p++;
    else break;
  }
  if (p > end) fail("JPEG after the image overruns the Samsung trailer");
  meta.add(end - p);
  assertSmallTrailer(bytes, p, MAX_JPEG_TRAILER, "JPEG", end);
  if (sef) checkSef(bytes, sef, meta, (start, stop) => embedded(start, stop, "in the Samsung trailer"));
}

export function parseJpeg(bytes: Uint8Array, limits: Limits): Parsed {
  const meta = new MetaBudget(limits);
  const { end, frame, orientation } = walkJpeg(bytes, 0, limits, meta);
  checkTrailer(bytes, end, limits, meta);
  return {
    width: frame.width,
    height: frame.height,
    frames: 1,
    orientation,
    hasAlpha: false,
    progressive: frame.progressive,
    metadataBytes: meta.total,
    bitDepth: 8,
    imageBytes: end,
  };
}
