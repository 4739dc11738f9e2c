import { deflateRawSync, deflateSync, constants as zc } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cat, codeOf, enc, hasCorpus, inspectWith, read, SNIFF_LIMITS, u32be } from "./sniff-helpers";
import { AppError } from "../../core/errors";
import { inspectImage, type Limits } from "../../core/sniff";
import { parseAvif } from "../../core/sniff/avif";
import { parseGif } from "../../core/sniff/gif";
import { validateZlib } from "../../core/sniff/inflate";
import { parseJpeg } from "../../core/sniff/jpeg";
import { parsePng } from "../../core/sniff/png";
import { parseWebp } from "../../core/sniff/webp";
import { lzw, gifFile, frame, GIF_1PX, riffChunk, riff, vp8l, vp8, anmf, anim, vp8xHeader } from "./sniff-builders";

const LIMITS: Limits = SNIFF_LIMITS;

const inspect = inspectWith(LIMITS);

// ---- GIF --------------------------------------------------------------------------------------

describe("GIF structure and LZW validation", () => {
  it("accepts a valid frame and reports transparency", () => {
    const gce = [0x21, 0xf9, 4, 1, 0, 0, 0, 0];
    expect(inspectImage(gifFile(1, 1, [gce, frame(1, 1, GIF_1PX), [0x3b]]), LIMITS)).toMatchObject({ format: "gif", frames: 1, hasAlpha: true });
    // 2x2 frame: CLEAR, 0, 6 (KwKwK), 0 -> 4 pixels, END (4 bits after the table grew).
    expect(inspect(gifFile(2, 2, [frame(2, 2, lzw([[4, 3], [0, 3], [6, 3], [0, 3], [5, 4]])), [0x3b]]))).toBe("accepted");
  });

  it("rejects out-of-range codes, truncated frames and bad code sizes", () => {
    expect(inspect(gifFile(2, 1, [frame(2, 1, lzw([[4, 3], [0, 3], [7, 3], [5, 3]])), [0x3b]]))).toBe("invalid_image");
    expect(inspect(gifFile(2, 1, [frame(2, 1, lzw([[4, 3], [6, 3], [5, 3]])), [0x3b]]))).toBe("invalid_image"); // non-root first code
    expect(inspect(gifFile(2, 2, [frame(2, 2, GIF_1PX), [0x3b]]))).toBe("invalid_image"); // 1 of 4 pixels
    for (const minCode of [0, 1, 9, 12]) expect(inspect(gifFile(1, 1, [frame(1, 1, GIF_1PX, minCode), [0x3b]]))).toBe("invalid_image");
    expect(inspect(gifFile(1, 1, [frame(1, 1, GIF_1PX)]))).toBe("invalid_image"); // no trailer
    expect(inspect(gifFile(1, 1, [frame(0, 1, GIF_1PX), [0x3b]]))).toBe("invalid_image"); // zero-width frame
    expect(inspect(gifFile(1, 1, [[0x99], [0x3b]]))).toBe("invalid_image"); // unknown block
    expect(inspect(gifFile(1, 1, [[0x3b]]))).toBe("invalid_image"); // no image
  });

  it("tolerates what decoders tolerate", () => {
    // Surplus codes after the frame is full, a missing END code, frames overhanging the screen.
    expect(inspect(gifFile(1, 1, [frame(1, 1, lzw([[4, 3], [0, 3], [0, 3], [0, 3]])), [0x3b]]))).toBe("accepted");
    expect(inspect(gifFile(2, 2, [frame(2, 2, lzw([[4, 3], [0, 3], [6, 3], [0, 3], [5, 4]])), [0x3b]], [1, 1]))).toBe("accepted");
    expect(inspect(gifFile(1, 1, [frame(1, 1, GIF_1PX), [0x3b], enc("whirlgif 2.01")]))).toBe("accepted");
  });

  it("counts and scans comment and application extensions", () => {
    const comment = (s: string): number[] => [0x21, 0xfe, s.length, ...enc(s), 0];
    const info = inspectImage(gifFile(1, 1, [comment("hello world"), frame(1, 1, GIF_1PX), [0x3b]]), LIMITS);
    expect(info.metadataBytes).toBe(11);
    expect(inspect(gifFile(1, 1, [comment("<script>alert(1)</script>"), frame(1, 1, GIF_1PX), [0x3b]]))).toBe("invalid_image");
    const loop = [0x21, 0xff, 11, ...enc("NETSCAPE2.0"), 3, 1, 0, 0, 0];
    expect(inspectImage(gifFile(1, 1, [loop, frame(1, 1, GIF_1PX), [0x3b]]), LIMITS).metadataBytes).toBe(0);
  });
});

// ---- WebP -------------------------------------------------------------------------------------

describe("WebP structure", () => {
  it("reads simple lossy and lossless headers", () => {
    expect(inspectImage(riff([vp8(16, 9)]), LIMITS)).toMatchObject({ format: "webp", width: 16, height: 9, hasAlpha: false });
    expect(inspectImage(riff([vp8l(5, 7, true)]), LIMITS)).toMatchObject({ width: 5, height: 7, hasAlpha: true });
    expect(inspect(riff([vp8(16, 9, 0x11)]))).toBe("invalid_image"); // inter frame
    expect(inspect(riff([riffChunk("VP8 ", [0x10, 0, 0, 0x9d, 0x01, 0x2b, 16, 0, 9, 0])]))).toBe("invalid_image"); // start code
    expect(inspect(riff([riffChunk("VP8L", [0x2e, 0, 0, 0, 0, 0])]))).toBe("invalid_image"); // signature
    expect(inspect(riff([vp8(0, 9)]))).toBe("invalid_image");
    expect(inspect(riff([vp8l(2, 2), vp8l(2, 2)]))).toBe("invalid_image");
    expect(inspect(riff([riffChunk("JUNK", [1, 2])]))).toBe("invalid_image");
  });

  it("checks the RIFF size against the file", () => {
    const ok = riff([vp8l(2, 2)]);
    expect(inspect(ok)).toBe("accepted");
    const lying = ok.slice();
    lying[4] = (lying[4] as number) + 8;
    expect(inspect(lying)).toBe("invalid_image");
    expect(inspect(cat(ok, [0]))).toBe("accepted"); // an unaccounted pad byte
  });

  it("validates extended and animated files", () => {
    expect(inspectImage(riff([vp8xHeader(0x10, 4, 4), riffChunk("ALPH", [0x01, 0]), vp8(4, 4)]), LIMITS)).toMatchObject({ width: 4, height: 4, hasAlpha: true });
    expect(inspect(riff([vp8xHeader(0, 4, 4), vp8(5, 4)]))).toBe("invalid_image"); // canvas != bitstream
    expect(inspect(riff([vp8xHeader(0, 4, 4), riffChunk("ALPH", [0xc1, 0]), vp8(4, 4)]))).toBe("invalid_image"); // reserved bits
    const animated = riff([vp8xHeader(0x02, 8, 8), anim, anmf(0, 0, 8, 8, vp8l(8, 8)), anmf(2, 2, 4, 4, vp8(4, 4))]);
    expect(inspectImage(animated, LIMITS)).toMatchObject({ width: 8, height: 8, frames: 2 });
    expect(inspect(animated, { ...LIMITS, maxFrames: 1 })).toBe("image_too_large");
    expect(inspect(riff([vp8xHeader(0x02, 8, 8), anim, anmf(6, 6, 4, 4, vp8l(4, 4))]))).toBe("invalid_image"); // outside canvas
    expect(inspect(riff([vp8xHeader(0x02, 8, 8), anim, anmf(0, 0, 4, 4, vp8l(5, 4))]))).toBe("invalid_image"); // frame != bitstream
    expect(inspect(riff([vp8xHeader(0x02, 8, 8), anim]))).toBe("invalid_image"); // no frames
    expect(inspect(riff([vp8xHeader(0, 8, 8), anmf(0, 0, 8, 8, vp8l(8, 8))]))).toBe("invalid_image"); // frames in a still
  });
});

// ---- AVIF -------------------------------------------------------------------------------------

describe.skipIf(!hasCorpus)("AVIF structure", () => {
  const base = (): Uint8Array => read("avif/white_1x1.avif");
  const find = (b: Uint8Array, s: string): number => Buffer.from(b).indexOf(s);
  const patch32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
    const out = b.slice();
    out.set(u32be(v), at);
    return out;
  };

  it("applies limits to ispe and refuses a lying ispe", () => {
    const ispe = find(base(), "ispe") + 8;
    const huge = patch32(patch32(base(), ispe, 100_000), ispe + 4, 100_000);
    expect(inspect(huge)).toBe("image_too_large");
    const two = patch32(patch32(base(), ispe, 2), ispe + 4, 2);
    expect(inspect(two)).toBe("invalid_image"); // the AV1 sequence header says 1x1
    expect(inspect(patch32(base(), ispe, 0))).toBe("invalid_image");
  });

  it("refuses item data outside the file", () => {
    const b = base();
    const ext = Buffer.from(b).indexOf(Buffer.from([0, 0, 1, 0x1a, 0, 0, 0, 0x17]));
    expect(inspect(patch32(b, ext + 4, 0x1000))).toBe("invalid_image");
    expect(inspect(patch32(b, ext, 0x7000))).toBe("invalid_image");
  });

  it("refuses HEIC and image sequences as unsupported", () => {
    const b = base();
    const av01 = find(b, "av01");
    const hevc = b.slice();
    hevc.set(enc("hvc1"), av01);
    expect(inspect(hevc)).toBe("unsupported_media_type");
    const avis = b.slice();
    avis.set(enc("avis"), 8);
    expect(inspect(avis)).toBe("unsupported_media_type");
    const heic = b.slice();
    heic.set(enc("heic"), 8);
    heic.set(enc("heic"), 16);
    heic.set(enc("heic"), 20);
    expect(inspect(heic)).toBe("unsupported_media_type");
  });

  /** white_1x1.avif with essential transform properties (irot / imir) added to its item. */
  function withTransforms(props: [string, number][]): Uint8Array {
    const b = base();
    const at = (type: string): number => find(b, type) - 4;
    const size = (type: string): number => Buffer.from(b).readUInt32BE(at(type));
    const boxes = cat(...props.map(([type, v]) => cat(u32be(9), enc(type), [v])));
    const assoc = props.map((_, i) => 0x85 + i); // essential, property index 5, 6, ...
    const grow = boxes.length + assoc.length;
    const ipcoEnd = at("ipco") + size("ipco"), ipmaEnd = at("ipma") + size("ipma");
    const out = cat(b.subarray(0, ipcoEnd), boxes, b.subarray(ipcoEnd, ipmaEnd), assoc, b.subarray(ipmaEnd));
    const dv = new DataView(out.buffer);
    const bump = (pos: number, by: number): void => dv.setUint32(pos, dv.getUint32(pos) + by);
    bump(at("meta"), grow);
    bump(at("iprp"), grow);
    bump(at("ipco"), boxes.length);
    bump(at("ipma") + boxes.length, assoc.length);
    out[at("ipma") + boxes.length + 18] = 4 + props.length; // association count of item 1
    const extent = Buffer.from(out).indexOf(Buffer.from([0, 0, 1, 0x1a, 0, 0, 0, 0x17]));
    bump(extent, grow);
    return out;
  }

  it("maps irot/imir to an EXIF-style orientation", () => {
    expect(inspectImage(withTransforms([]), LIMITS).orientation).toBe(1);
    const cases: [[string, number][], number][] = [
      [[["irot", 1]], 8], [[["irot", 2]], 3], [[["irot", 3]], 6],
      [[["imir", 1]], 2], [[["imir", 0]], 4], [[["irot", 1], ["imir", 0]], 5], [[["irot", 3], ["imir", 0]], 7],
    ];
    for (const [props, orientation] of cases) {
      expect([props, inspectImage(withTransforms(props), LIMITS).orientation]).toEqual([props, orientation]);
    }
    expect(inspect(withTransforms([["zzzz", 0]]))).toBe("invalid_image"); // unknown essential property
  });

  it("truncation anywhere after ftyp is invalid", () => {
    const b = base();
    for (let n = 32; n < b.length; n += 7) expect([n, inspect(b.subarray(0, n))]).toEqual([n, "invalid_image"]);
  });
});

// ---- inflate ----------------------------------------------------------------------------------

describe("zlib validation", () => {
  const data = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251 ^ (i >> 9));
  it("accepts stored, fixed and dynamic streams of the exact size only", () => {
    for (const z of [deflateSync(data, { level: 0 }), deflateSync(data, { strategy: zc.Z_FIXED }), deflateSync(data, { level: 9 }), deflateSync(data, { strategy: zc.Z_RLE })]) {
      expect(() => validateZlib([z], data.length, "t")).not.toThrow();
      expect(() => validateZlib([z.subarray(0, 1), z.subarray(1, 100), z.subarray(100)], data.length, "t")).not.toThrow();
      expect(codeOf(() => validateZlib([z], data.length - 1, "t"))).toBe("invalid_image");
      expect(codeOf(() => validateZlib([z], data.length + 1, "t"))).toBe("invalid_image");
      expect(codeOf(() => validateZlib([z.subarray(0, z.length >> 1)], data.length, "t"))).toBe("invalid_image");
      expect(codeOf(() => validateZlib([z, new Uint8Array([0])], data.length, "t"))).toBe("invalid_image");
    }
  });

  // Past 64 KiB the checker's window slides; what a probe is shown must still be the stream's
  // bytes, whether they come as literals, stored pieces or copies from far back.
  it("shows a probe the right bytes far past its sliding window, in every block kind", () => {
    const big = new Uint8Array(300_000).map((_, i) => ((i * 2654435761) >>> 24) ^ (i % 97 === 0 ? 0 : i >> 12));
    big.copyWithin(200_000, 150_000, 180_000); // a long copy from 50 KB back
    for (const z of [deflateSync(big, { level: 0 }), deflateSync(big, { level: 1 }), deflateSync(big, { level: 9 }), deflateSync(big, { strategy: zc.Z_FIXED })]) {
      const seen: number[] = [];
      const positions = [0, 65_535, 65_536, 98_303, 98_304, 150_001, 199_999, 200_000, 215_000, 299_999];
      let k = 0;
      const probe = { next: positions[0]!, check: (v: number) => { seen.push(v); probe.next = positions[++k] ?? Infinity; } };
      validateZlib([z.subarray(0, 1000), z.subarray(1000)], big.length, "t", probe);
      expect(seen).toEqual(positions.map((p) => big[p]));
    }
  });

  it("rejects a bad header, a preset dictionary and a distance before the start", () => {
    expect(codeOf(() => validateZlib([new Uint8Array([0x78, 0x9d, 3, 0, 0, 0, 0, 1])], 0, "t"))).toBe("invalid_image");
    expect(codeOf(() => validateZlib([new Uint8Array([0x78, 0xbb, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1])], 0, "t"))).toBe("invalid_image");
    // Fixed block: length 3 / distance 1 as the very first symbol.
    const raw = deflateRawSync(new Uint8Array(10));
    expect(() => validateZlib([cat([0x78, 0x01], raw, [0, 0, 0, 0])], 10, "t")).not.toThrow();
    expect(codeOf(() => validateZlib([new Uint8Array([0x78, 0x01, 0x03, 0x02, 0, 0, 0, 0, 0])], 3, "t"))).toBe("invalid_image");
  });
});

// ---- robustness -------------------------------------------------------------------------------

describe.skipIf(!hasCorpus)("mutated corpus files", () => {
  it("never throw anything but AppError, and finish quickly", () => {
    const parsers = { png: parsePng, jpeg: parseJpeg, gif: parseGif, webp: parseWebp, avif: parseAvif };
    const files: [keyof typeof parsers, string][] = [
      ["png", "pngsuite/basi3p02.png"], ["png", "pngsuite/ctzn0g04.png"], ["png", "pngsuite/exif2c08.png"],
      ["gif", "animated/anim-gr.gif"], ["gif", "animated/beacon.gif"], ["webp", "animated/random_lossy.webp"],
      ["webp", "webp-still/vnc-l.webp"], ["avif", "avif/white_1x1.avif"], ["avif", "avif/paris_icc_exif_xmp.avif"],
      ["jpeg", "exif-orientation/Landscape_6.jpg"],
    ];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const started = performance.now();
    let accepted = 0, rejected = 0;
    for (const [format, path] of files) {
      const original = read(path);
      const limit = Math.min(original.length, 4096); // mutate headers and the first structures
      for (let i = 0; i < 150; i++) {
        const b = original.slice();
        for (let k = 1 + rand(4); k > 0; k--) b[rand(limit)] = rand(4) === 0 ? 0xff : rand(256);
        try {
          parsers[format](b, LIMITS);
          accepted++;
        } catch (err) {
          if (!(err instanceof AppError)) throw new Error(`${path} mutation ${i}: ${String(err)}`);
          rejected++;
        }
      }
    }
    expect(accepted + rejected).toBe(files.length * 150);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
