import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cat, enc, inspectWith, SNIFF_LIMITS, u32be } from "./sniff-helpers";
import { inspectImage, type Limits } from "../../core/sniff";
import { pngChunk, PNG_SIG, ihdr, idat, png, fctl, jseg, DQT, sof, sos, jpeg } from "./sniff-builders";

const LIMITS: Limits = SNIFF_LIMITS;

const inspect = inspectWith(LIMITS);

// ---- PNG --------------------------------------------------------------------------------------

describe("PNG structure", () => {
  it("accepts a minimal valid file and reports its facts", () => {
    expect(inspectImage(png(3, 2), LIMITS)).toMatchObject({ format: "png", width: 3, height: 2, frames: 1, hasAlpha: false, bitDepth: 8 });
  });

  it("rejects bad CRCs, unknown critical chunks and broken ordering", () => {
    const good = png(4, 4);
    const flipped = good.slice();
    flipped[good.length - 20] = (flipped[good.length - 20] as number) ^ 1; // inside IDAT
    expect(inspect(flipped)).toBe("invalid_image");
    expect(inspect(png(4, 4, [pngChunk("ABCD", [1])]))).toBe("invalid_image");
    expect(inspect(png(4, 4, [pngChunk("abCd", [1, 2, 3])]))).toBe("accepted");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 4), pngChunk("tEXt", enc("a\0b")), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 4)))).toBe("invalid_image"); // no IEND
    expect(inspect(cat(PNG_SIG, idat(4, 4), ihdr(4, 4), pngChunk("IEND")))).toBe("invalid_image"); // IHDR not first
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 8, 3), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image"); // no PLTE
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 8, 3), pngChunk("PLTE", [0, 0, 0]), idat(4, 4), pngChunk("IEND")))).toBe("accepted");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 8, 0), pngChunk("PLTE", [0, 0, 0]), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4, 16, 3), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
    expect(inspect(cat(PNG_SIG, pngChunk("IHDR", [...u32be(4), ...u32be(4), 8, 0, 0, 0, 2]), idat(4, 4), pngChunk("IEND")))).toBe("invalid_image");
  });

  it("checks the compressed image data without keeping pixels", () => {
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 4, 1), pngChunk("IEND")))).toBe("invalid_image"); // too much data
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), idat(4, 3), pngChunk("IEND")))).toBe("invalid_image"); // too little
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), pngChunk("IDAT", [0x78, 0x9c, 0x07, 0, 0, 0, 0, 0]), pngChunk("IEND")))).toBe("invalid_image"); // BTYPE 3
    const z = deflateSync(new Uint8Array(4 * 5));
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), pngChunk("IDAT", z.subarray(0, 3)), pngChunk("IDAT", z.subarray(3)), pngChunk("IEND")))).toBe("accepted");
    expect(inspect(cat(PNG_SIG, ihdr(4, 4), pngChunk("IDAT", z.subarray(0, z.length - 4)), pngChunk("IEND")))).toBe("invalid_image"); // no Adler-32
  });

  it("checks the filter type that starts every row, streaming the inflated data", () => {
    const file = (w: number, h: number, raw: ArrayLike<number>, interlace = 0): Uint8Array =>
      cat(PNG_SIG, pngChunk("IHDR", [...u32be(w), ...u32be(h), 8, 0, 0, 0, interlace]), pngChunk("IDAT", deflateSync(new Uint8Array(raw))), pngChunk("IEND"));
    const message = (b: Uint8Array): string => {
      try {
        inspectImage(b, LIMITS);
        return "accepted";
      } catch (err) {
        return (err as Error).message;
      }
    };
    // Rows of 4 grey pixels; `filters[y]` starts row y.
    const rows = (filters: number[], fill = 0): number[] => filters.flatMap((f) => [f, fill, fill, fill, fill]);
    expect(inspect(file(4, 5, rows([0, 1, 2, 3, 4], 7)))).toBe("accepted");
    expect(message(file(4, 5, rows([5, 1, 2, 3, 4])))).toBe("PNG row 0 has an unknown filter type 5");
    expect(message(file(4, 5, rows([0, 1, 2, 3, 255])))).toBe("PNG row 4 has an unknown filter type 255");
    // The bad byte comes out of a back-reference (a run of 5s), not a literal.
    const run = rows(new Array<number>(150).fill(0), 5);
    run[100 * 5] = 5;
    expect(message(file(4, 150, run))).toBe("PNG row 100 has an unknown filter type 5");
    run[100 * 5] = 4;
    expect(inspect(file(4, 150, run))).toBe("accepted");
    // Far past the checker's sliding window (≈200 KB in): rows of 1000 varied pixels.
    const wide = Array.from({ length: 300 }, (_, y) => [y % 5, ...Array.from({ length: 1000 }, (_, x) => (x * 31 + y * 7) & 255)]).flat();
    expect(inspect(file(1000, 300, wide))).toBe("accepted");
    wide[250 * 1001] = 6;
    expect(message(file(1000, 300, wide))).toBe("PNG row 250 has an unknown filter type 6");

    // Adam7 on 8x8: passes of 1x1, 1x1, 2x1, 2x2, 4x2, 4x4, 8x4 pixels; a 1x1 image has only pass 1.
    const adam7 = (bad?: [number, number, number]): number[] => {
      const sizes = [[1, 1], [1, 1], [2, 1], [2, 2], [4, 2], [4, 4], [8, 4]] as const;
      return sizes.flatMap(([pw, ph], pass) =>
        Array.from({ length: ph }, (_, row) => [bad && bad[0] === pass + 1 && bad[1] === row ? bad[2] : row % 5, ...new Array<number>(pw).fill(9)]).flat(),
      );
    };
    expect(inspect(file(8, 8, adam7(), 1))).toBe("accepted");
    expect(message(file(8, 8, adam7([6, 2, 9]), 1))).toBe("PNG row 4 (interlace pass 6) has an unknown filter type 9");
    expect(message(file(8, 8, adam7([7, 3, 5]), 1))).toBe("PNG row 7 (interlace pass 7) has an unknown filter type 5");
    expect(message(file(8, 8, adam7([1, 0, 6]), 1))).toBe("PNG row 0 (interlace pass 1) has an unknown filter type 6");
    expect(inspect(file(1, 1, [4, 200], 1))).toBe("accepted");
    expect(message(file(1, 1, [5, 0], 1))).toBe("PNG row 0 (interlace pass 1) has an unknown filter type 5");

    // APNG frames (fdAT) are checked the same way, at their own size.
    const apng = (data: number[]): Uint8Array =>
      cat(PNG_SIG, ihdr(4, 4), pngChunk("acTL", [...u32be(2), ...u32be(0)]), fctl(0, 4, 4), idat(4, 4), fctl(1, 2, 2, 1, 1), pngChunk("fdAT", cat(u32be(2), deflateSync(new Uint8Array(data)))), pngChunk("IEND"));
    expect(inspect(apng([4, 0, 0, 3, 0, 0]))).toBe("accepted");
    expect(message(apng([0, 0, 0, 6, 0, 0]))).toBe("APNG frame 1 row 1 has an unknown filter type 6");
  });

  it("stops a decompression bomb as soon as it exceeds the declared size", () => {
    const bomb = cat(PNG_SIG, ihdr(100, 100), pngChunk("IDAT", deflateSync(new Uint8Array(20 << 20))), pngChunk("IEND"));
    const t = performance.now();
    expect(inspect(bomb)).toBe("invalid_image");
    expect(performance.now() - t).toBeLessThan(500);
  });

  it("counts APNG frames and validates their layout", () => {
    const frame2 = pngChunk("fdAT", cat(u32be(2), deflateSync(new Uint8Array(2 * 3))));
    const apng = (actl: number, second: Uint8Array, data = frame2): Uint8Array =>
      cat(PNG_SIG, ihdr(4, 4), pngChunk("acTL", [...u32be(actl), ...u32be(0)]), fctl(0, 4, 4), idat(4, 4), second, data, pngChunk("IEND"));
    expect(inspectImage(apng(2, fctl(1, 2, 2, 1, 1)), LIMITS)).toMatchObject({ format: "png", frames: 2, width: 4, height: 4 });
    expect(inspect(apng(2, fctl(1, 2, 2, 3, 3)))).toBe("invalid_image"); // outside the canvas
    expect(inspect(apng(3, fctl(1, 2, 2, 1, 1)))).toBe("invalid_image"); // acTL/fcTL mismatch
    expect(inspect(apng(2, fctl(5, 2, 2, 1, 1)))).toBe("invalid_image"); // sequence number
    expect(inspect(apng(2, fctl(1, 3, 3, 1, 1)))).toBe("invalid_image"); // fdAT data for a 2x2 frame
    expect(inspect(apng(2, fctl(1, 2, 2, 1, 1)), { ...LIMITS, maxFrames: 1 })).toBe("image_too_large");
  });
});

// ---- JPEG -------------------------------------------------------------------------------------

describe("JPEG structure", () => {
  it("walks markers, scans and EOI", () => {
    expect(inspectImage(jpeg([sos(0, 63), [0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78]]), LIMITS)).toMatchObject({ format: "jpeg", width: 8, height: 8, progressive: false });
    expect(inspect(jpeg([sos(0, 63), [0xff, 0xd1, 0x00]]))).toBe("invalid_image"); // RST1 before RST0
    expect(inspect(cat([0xff, 0xd8], DQT, sof(0xc0, 8, 8), sos(0, 63), [1, 2, 3]))).toBe("invalid_image"); // cut mid-scan
    expect(inspect(cat([0xff, 0xd8], DQT, sos(0, 63), [1], [0xff, 0xd9]))).toBe("invalid_image"); // SOS before SOF
    expect(inspect(cat([0xff, 0xd8], DQT, sof(0xc0, 8, 8), [0xff, 0xd9]))).toBe("invalid_image"); // no scan
    expect(inspect(jpeg([sof(0xc0, 8, 8), sos(0, 63), [1]]))).toBe("invalid_image"); // two frames
    expect(inspect(jpeg([sos(1, 63), [1]]))).toBe("invalid_image"); // progressive parameters in a baseline scan
    expect(inspect(jpeg([jseg(0xc4, [0x00, 3, ...new Array<number>(15).fill(0), 1, 2, 3]), sos(0, 63), [1]]))).toBe("invalid_image"); // over-subscribed Huffman table
    expect(inspect(jpeg([jseg(0x9a, [1, 2]), sos(0, 63), [1]]))).toBe("invalid_image"); // unknown marker
    expect(inspect(cat([0xff, 0xd8], sof(0xc0, 8, 8), sos(0, 63), [1], [0xff, 0xd9]))).toBe("invalid_image"); // no DQT
  });

  it("accepts progressive scans and caps their number", () => {
    const scans = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => cat(sos(0, 0, i === 0 ? 0 : 0x10 * Math.min(i, 13) + Math.min(i, 13) - 1), [0x00]));
    expect(inspectImage(jpeg(scans(10), 0xc2), LIMITS).progressive).toBe(true);
    expect(inspect(jpeg(Array.from({ length: 1001 }, () => cat(sos(0, 0), [0])), 0xc2))).toBe("invalid_image");
  });

  it("caps the scans by the frame size (scan bombs cost scans x pixels to decode)", () => {
    const empty = (n: number): Uint8Array[] => Array.from({ length: n }, () => cat(sos(0, 0), [0]));
    const big = { ...LIMITS, maxPixels: 75_000_000 };
    const huge = { ...LIMITS, maxPixels: 300_000_000, maxAspect: 100 };
    // [width, height, most scans allowed]: 1000 up to 5 MP, then 5e9 scan-pixels, never below 64.
    const cases: [number, number, number, Limits][] = [
      [8, 8, 1000, LIMITS],
      [2000, 2500, 1000, LIMITS],
      [2001, 2500, 999, LIMITS],
      [5000, 4000, 250, LIMITS],
      [10000, 7500, 66, big],
      [16384, 16384, 64, huge],
    ];
    for (const [w, h, most, limits] of cases) {
      expect([w, h, inspect(jpeg(empty(most), 0xc2, w, h), limits)]).toEqual([w, h, "accepted"]);
      expect([w, h, inspect(jpeg(empty(most + 1), 0xc2, w, h), limits)]).toEqual([w, h, "invalid_image"]);
    }
    expect(() => inspectImage(jpeg(empty(251), 0xc2, 5000, 4000), LIMITS)).toThrow("JPEG has 251 scans; at most 250 for a 5000x4000 image");
    // Sequential frames are capped the same way (one scan per component is all they need).
    expect(inspect(jpeg(empty(67).map(() => cat(sos(0, 63), [0])), 0xc0, 10000, 7500), big)).toBe("invalid_image");
  });

  it("refuses lossless, hierarchical, arithmetic and 12-bit JPEGs as unsupported", () => {
    for (const m of [0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7]) {
      expect([m, inspect(cat([0xff, 0xd8], DQT, sof(m, 8, 8), sos(0, 63), [1], [0xff, 0xd9]))]).toEqual([m, "unsupported_media_type"]);
    }
    expect(inspect(cat([0xff, 0xd8], DQT, sof(0xc1, 8, 8, 12), sos(0, 63), [1], [0xff, 0xd9]))).toBe("unsupported_media_type");
  });
});
