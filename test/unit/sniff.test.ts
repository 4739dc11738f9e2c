import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cat, enc, hasCorpus, inspectWith, read, SNIFF_LIMITS, u16be, u16le, u24le, u32be, u32le } from "./sniff-helpers";
import { inspectImage, type Limits, MIME, sniffFormat } from "../../core/sniff";
import { crc32 } from "../../core/sniff/png";
import { zip } from "./sniff-builders";


const LIMITS = SNIFF_LIMITS;
/** No limit at all: for checking that a file is refused for its structure, not its size. */
const HUGE: Limits = { maxPixels: 1e15, maxSide: 1e9, maxFrames: 1e9, maxTotalPixels: 1e18, maxAspect: 1e9, maxMetadataBytes: 1e12 };

const inspect = inspectWith(LIMITS);

// ---- tiny builders -------------------------------------------------------------------------

function pngChunk(type: string, data: ArrayLike<number> = []): Uint8Array {
  const td = cat(enc(type), data);
  return cat(u32be(data.length), td, u32be(crc32(td)));
}
const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ihdr = (w: number, h: number, depth = 8, colour = 0, interlace = 0): Uint8Array =>
  pngChunk("IHDR", [...u32be(w), ...u32be(h), depth, colour, 0, 0, interlace]);
/** A valid 8-bit greyscale PNG, optionally with extra chunks before IDAT. */
function png(w: number, h: number, extra: Uint8Array[] = []): Uint8Array {
  const raw = new Uint8Array(h * (w + 1));
  return cat(PNG_SIG, ihdr(w, h), ...extra, pngChunk("IDAT", deflateSync(raw)), pngChunk("IEND"));
}

/** A GIF89a with `frames` 1x1 frames (LZW: CLEAR, 0, END at 3 bits). */
function gif(frames: number, screen: [number, number] = [1, 1]): Uint8Array {
  const head = cat(enc("GIF89a"), u16le(screen[0]), u16le(screen[1]), [0x80, 0, 0], [0, 0, 0, 255, 255, 255]);
  const frame = [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0];
  return cat(head, ...Array.from({ length: frames }, () => frame), [0x3b]);
}

function jpegSegment(marker: number, payload: ArrayLike<number>): Uint8Array {
  return cat([0xff, marker], u16be(payload.length + 2), payload);
}
/** Inserts segments right after SOI of a JPEG. */
const withSegments = (jpeg: Uint8Array, ...segs: Uint8Array[]): Uint8Array => cat(jpeg.subarray(0, 2), ...segs, jpeg.subarray(2));

function riff(chunks: Uint8Array[]): Uint8Array {
  const body = cat(enc("WEBP"), ...chunks);
  return cat(enc("RIFF"), u32le(body.length), body);
}
function riffChunk(id: string, data: ArrayLike<number>): Uint8Array {
  return cat(enc(id), u32le(data.length), data, data.length & 1 ? [0] : []);
}



// ---- corpus ---------------------------------------------------------------------------------

describe("format detection", () => {
  it("refuses empty, tiny and non-image bodies as unsupported_media_type", () => {
    const bodies = [
      new Uint8Array(0),
      new Uint8Array([0xff]),
      new Uint8Array([0xff, 0xd8]),
      enc('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'),
      enc("<svg width='1' height='1'/>"),
      enc("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
      cat(enc("BM"), new Uint8Array(60)),
      cat(enc("II*\0"), u32le(8), new Uint8Array(40)),
      cat(enc("MM\0*"), u32be(8), new Uint8Array(40)),
      zip(),
      enc("%PDF-1.7\n"),
      cat(u32be(24), enc("ftypheic"), u32be(0), enc("mif1heic"), new Uint8Array(16)),
      cat(u32be(24), enc("ftypmif1"), u32be(0), enc("mif1heix"), new Uint8Array(16)),
      enc("RIFF\x10\0\0\0WAVEfmt "),
      enc("GIF88a"),
    ];
    for (const b of bodies) {
      expect(sniffFormat(b)).toBeNull();
      expect(inspect(b)).toBe("unsupported_media_type");
    }
  });

  it("sniffs formats from magic bytes only", () => {
    expect(sniffFormat(png(1, 1))).toBe("png");
    expect(sniffFormat(gif(1))).toBe("gif");
    expect(sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe("jpeg");
    expect(sniffFormat(riff([]))).toBe("webp");
    expect(sniffFormat(cat(u32be(20), enc("ftypavif"), u32be(0), enc("mif1")))).toBe("avif");
    expect(MIME).toEqual({ jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif" });
  });

  it("judges a body by its bytes: JPEG SOI followed by PNG data is a broken JPEG", () => {
    expect(inspect(cat([0xff, 0xd8, 0xff], png(4, 4)))).toBe("invalid_image");
    expect(inspect(cat([0xff, 0xd8], png(4, 4)))).toBe("unsupported_media_type");
  });
});

describe("size limits are applied from the header, before the body is walked", () => {
  it("PNG IHDR 100000x100000 with no image data", () => {
    expect(inspect(cat(PNG_SIG, ihdr(100_000, 100_000)), HUGE)).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, ihdr(100_000, 100_000)))).toBe("image_too_large");
    expect(inspect(cat(PNG_SIG, ihdr(7000, 7000)))).toBe("image_too_large"); // 49 MP
  });

  it("JPEG SOF 65535x65535", () => {
    const sof = jpegSegment(0xc0, [8, ...u16be(65535), ...u16be(65535), 1, 1, 0x11, 0]);
    expect(inspect(cat([0xff, 0xd8], sof))).toBe("image_too_large");
    const progressive = jpegSegment(0xc2, [8, ...u16be(30000), ...u16be(20000), 1, 1, 0x11, 0]);
    expect(inspect(cat([0xff, 0xd8], progressive))).toBe("image_too_large");
  });

  it("GIF with a huge logical screen", () => {
    expect(inspect(gif(1, [65535, 65535]))).toBe("image_too_large");
    expect(inspect(cat(enc("GIF89a"), u16le(65535), u16le(65535), [0, 0, 0]))).toBe("image_too_large");
  });

  it("WebP VP8X canvas 16384x16384 with no frame data", () => {
    const vp8x = riffChunk("VP8X", [0x10, 0, 0, 0, ...u24le(16383), ...u24le(16383)]);
    expect(inspect(riff([vp8x]))).toBe("image_too_large");
    expect(inspect(riff([vp8x]), HUGE)).toBe("invalid_image");
  });

  it("extreme aspect ratios", () => {
    expect(inspect(png(1000, 10), { ...LIMITS, maxAspect: 50 })).toBe("image_too_large");
    expect(inspect(png(10, 1000), { ...LIMITS, maxAspect: 50 })).toBe("image_too_large");
    expect(inspect(png(500, 10), { ...LIMITS, maxAspect: 50 })).toBe("accepted");
  });

  it("zero width or height is invalid, not too large", () => {
    expect(inspect(cat(PNG_SIG, ihdr(0, 10)))).toBe("invalid_image");
    expect(inspect(gif(1, [0, 1]))).toBe("invalid_image");
    const sof = jpegSegment(0xc0, [8, ...u16be(0), ...u16be(100), 1, 1, 0x11, 0]);
    expect(inspect(cat([0xff, 0xd8], sof))).toBe("invalid_image");
  });

  it("a GIF with 1000 tiny frames and maxFrames 300", () => {
    const many = gif(1000);
    expect(inspect(many, HUGE)).toBe("accepted");
    expect(inspectImage(many, HUGE).frames).toBe(1000);
    expect(inspect(many, { ...LIMITS, maxFrames: 300 })).toBe("image_too_large");
  });

  it("an APNG whose acTL declares too many frames", () => {
    const actl = pngChunk("acTL", [...u32be(100_000), ...u32be(0)]);
    expect(inspect(cat(PNG_SIG, ihdr(8, 8), actl))).toBe("image_too_large");
  });
});

describe("metadata budget", () => {
  it("PNG with a 1 MiB tEXt chunk", () => {
    const text = pngChunk("tEXt", cat(enc("Comment\0"), new Uint8Array(1 << 20).fill(0x41)));
    expect(inspect(png(4, 4, [text]))).toBe("metadata_too_large");
    expect(inspectImage(png(4, 4, [text]), HUGE).metadataBytes).toBe((1 << 20) + 8);
  });

  it("PNG zTXt/iCCP are counted as stored, never inflated", () => {
    const z = pngChunk("zTXt", cat(enc("k\0\0"), deflateSync(new Uint8Array(5 << 20))));
    const info = inspectImage(png(4, 4, [z]), LIMITS);
    expect(info.metadataBytes).toBeLessThan(10_000);
  });

  it("JPEG with huge APP segments", async () => {
    if (!hasCorpus) return;
    const app = jpegSegment(0xe2, new Uint8Array(65533).fill(0x20));
    const jpeg = withSegments(read("photos/LadyBird.jpg"), ...Array.from({ length: 20 }, () => app));
    expect(inspect(jpeg)).toBe("metadata_too_large");
    expect(inspect(jpeg, { ...LIMITS, maxMetadataBytes: 2 << 20 })).toBe("accepted");
  });

  it("WebP with a big EXIF chunk", () => {
    const vp8l = riffChunk("VP8L", [0x2f, ...u32le(0), 0, 0, 0, 0]);
    expect(inspect(riff([vp8l, riffChunk("EXIF", new Uint8Array(2 << 20))]))).toBe("metadata_too_large");
  });
});

describe("polyglots and trailing data", () => {
  it("PNG followed by an HTML page", () => {
    expect(inspect(cat(png(4, 4), enc("<html><script>alert(1)</script></html>")))).toBe("invalid_image");
    expect(inspect(cat(png(4, 4), new Uint8Array(4)))).toBe("accepted"); // a few NUL pad bytes
    expect(inspect(cat(png(4, 4), new Uint8Array(100)))).toBe("invalid_image");
  });

  it("PNG with HTML in a text chunk or a ZIP in a private chunk", () => {
    expect(inspect(png(4, 4, [pngChunk("tEXt", enc("Comment\0<script>alert(1)</script>"))]))).toBe("invalid_image");
    expect(inspect(png(4, 4, [pngChunk("zzZz", zip())]))).toBe("invalid_image");
    expect(inspect(png(4, 4, [pngChunk("tEXt", enc("Comment\0a < b and <b> is fine"))]))).toBe("accepted");
  });

  it.skipIf(!hasCorpus)("JPEG followed by a ZIP archive or an HTML page", () => {
    const jpeg = read("photos/FreshFlower.jpg");
    expect(inspect(cat(jpeg, zip()))).toBe("invalid_image");
    expect(inspect(cat(jpeg, enc("<!DOCTYPE html><html><body>hi</body></html>")))).toBe("invalid_image");
    expect(inspect(withSegments(jpeg, jpegSegment(0xfe, enc("<script>alert(1)</script>"))))).toBe("invalid_image");
    expect(inspect(withSegments(jpeg, jpegSegment(0xfe, enc("%PDF-1.4\n1 0 obj"))))).toBe("invalid_image");
    expect(inspect(withSegments(jpeg, jpegSegment(0xfe, enc("Created with GIMP"))))).toBe("accepted");
  });

  it.skipIf(!hasCorpus)("JPEG trailers that cameras and phones write are accepted", () => {
    const jpeg = read("photos/FreshFlower.jpg");
    const small = read("exif-orientation/Landscape_1.jpg");
    expect(inspect(cat(jpeg, new Uint8Array(1000)))).toBe("accepted"); // zero padding
    expect(inspect(cat(jpeg, enc("SEFHmakernote-data"), new Uint8Array(3000).fill(7)))).toBe("accepted"); // small opaque trailer
    expect(inspect(cat(jpeg, small))).toBe("accepted"); // MPF: secondary image after EOI
    const ftyp = cat(u32be(24), enc("ftypmp42"), u32be(0), enc("isommp42"));
    const mdat = cat(u32be(200_008), enc("mdat"), new Uint8Array(200_000).fill(9));
    expect(inspect(cat(jpeg, ftyp, mdat))).toBe("accepted"); // motion photo video
    expect(inspect(cat(jpeg, new Uint8Array(100_000).fill(7)))).toBe("invalid_image"); // big unknown trailer
    expect(inspect(cat(jpeg, small.subarray(0, 5000)))).toBe("invalid_image"); // broken appended JPEG
  });

  it("GIF with a ZIP appended (GIFAR)", () => {
    expect(inspect(cat(gif(2), zip()))).toBe("invalid_image");
    expect(inspect(cat(gif(2), enc("<html>")))).toBe("invalid_image");
  });

  it("WebP and AVIF with data after the container", () => {
    const vp8l = riffChunk("VP8L", [0x2f, ...u32le(0), 0, 0, 0, 0]);
    expect(inspect(riff([vp8l]))).toBe("accepted");
    expect(inspect(cat(riff([vp8l]), enc("<html>")))).toBe("invalid_image");
    expect(inspect(riff([vp8l, riffChunk("JUNK", zip())]))).toBe("invalid_image");
  });

  it.skipIf(!hasCorpus)("AVIF with appended or hidden payloads", () => {
    const avif = read("avif/white_1x1.avif");
    expect(inspect(cat(avif, enc("<html><script></script></html>")))).toBe("invalid_image");
    expect(inspect(cat(avif, u32be(0), enc("free"), zip()))).toBe("invalid_image");
    expect(inspect(cat(avif, u32be(16), enc("free"), new Uint8Array(8)))).toBe("accepted");
  });
});
