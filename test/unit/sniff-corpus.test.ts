import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "../corpus";
import { codeOf, CORPUS, hasCorpus, inspectWith, read, SNIFF_LIMITS } from "./sniff-helpers";
import { AppError } from "../../core/errors";
import { displaySize, inspectImage, type Limits, MIME } from "../../core/sniff";

// The validator on the shared corpus: every manifest verdict, and facts read from real files.
const LIMITS = SNIFF_LIMITS;
/** No limit at all: for checking that a file is refused for its structure, not its size. */
const HUGE: Limits = { maxPixels: 1e15, maxSide: 1e9, maxFrames: 1e9, maxTotalPixels: 1e18, maxAspect: 1e9, maxMetadataBytes: 1e12 };

const inspect = inspectWith(LIMITS);

describe.skipIf(!hasCorpus)("shared corpus", () => {
  const manifest: ManifestEntry[] = hasCorpus ? JSON.parse(readFileSync(`${CORPUS}manifest.json`, "utf8")) : [];

  it("every manifest entry gets the expected verdict, format, size, frames and orientation", () => {
    const counts = { accepted: 0, rejected: 0 };
    const wrong: string[] = [];
    for (const e of manifest) {
      const bytes = read(e.path);
      let info;
      try {
        info = inspectImage(bytes, LIMITS);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (e.expect === "reject" && err.status >= 400 && err.status < 500) counts.rejected++;
        else wrong.push(`${e.path}: rejected (${err.code}: ${err.message})`);
        continue;
      }
      if (e.expect === "reject") {
        wrong.push(`${e.path}: accepted`);
        continue;
      }
      const want = { format: e.format, mime: MIME[info.format], width: e.width, height: e.height, frames: e.pages ?? 1, orientation: e.orientation || 1 };
      const got = { format: info.format, mime: info.mime, width: info.width, height: info.height, frames: info.frames, orientation: info.orientation };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${e.path}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
      else counts.accepted++;
    }
    console.log(`sniff corpus: ${counts.accepted} accepted, ${counts.rejected} rejected, ${wrong.length} wrong of ${manifest.length}`);
    expect(wrong).toEqual([]);
    expect(counts.accepted + counts.rejected).toBe(manifest.length);
  });

  it("rejects every corpus reject for its structure even without size limits", () => {
    for (const e of manifest.filter((m) => m.expect === "reject")) {
      expect([e.path, inspect(read(e.path), HUGE)]).toEqual([e.path, expect.stringMatching(/^(invalid_image|unsupported_media_type)$/)]);
    }
  });

  it("refuses every accepted file cut in half as invalid_image", () => {
    for (const e of manifest.filter((m) => m.expect === "accept")) {
      const bytes = read(e.path);
      expect([e.path, inspect(bytes.subarray(0, Math.floor(bytes.length / 2)), HUGE)]).toEqual([e.path, "invalid_image"]);
    }
  });

  it("says how many leading bytes hold the image: a JPEG's ends at its EOI, before any trailer", () => {
    const photo = read("photos/LadyBird.jpg");
    const eoi = Buffer.from(photo).lastIndexOf(Buffer.from([0xff, 0xd9])) + 2;
    expect(inspectImage(photo, LIMITS).imageBytes).toBe(eoi);
    const padded = Buffer.concat([photo, Buffer.alloc(4096)]);
    expect(inspectImage(padded, LIMITS).imageBytes).toBe(eoi);
    expect(inspectImage(Buffer.concat([padded, photo]), LIMITS).imageBytes).toBe(eoi);
    const png = read("pngsuite/basn6a16.png");
    expect(inspectImage(png, LIMITS).imageBytes).toBe(png.length);
  });

  it("reports the header facts of the corpus", () => {
    expect(inspectImage(read("photos/FreshFlower.jpg"), LIMITS).progressive).toBe(true);
    expect(inspectImage(read("photos/LadyBird.jpg"), LIMITS).progressive).toBe(false);
    expect(inspectImage(read("pngsuite/basn6a16.png"), LIMITS)).toMatchObject({ hasAlpha: true, bitDepth: 16 });
    expect(inspectImage(read("pngsuite/tbbn3p08.png"), LIMITS)).toMatchObject({ hasAlpha: true, bitDepth: 8 });
    expect(inspectImage(read("pngsuite/basn2c08.png"), LIMITS).hasAlpha).toBe(false);
    expect(inspectImage(read("avif/cosmos1650_yuv444_10bpc_p3pq.avif"), LIMITS).bitDepth).toBe(10);
    const paris = inspectImage(read("avif/paris_icc_exif_xmp.avif"), LIMITS);
    expect(paris.metadataBytes).toBeGreaterThan(1000);
    expect(codeOf(() => inspectImage(read("avif/paris_icc_exif_xmp.avif"), { ...LIMITS, maxMetadataBytes: 1000 }))).toBe("metadata_too_large");
    const storm = inspectImage(read("photos/Storm.jpg"), LIMITS);
    expect(storm.metadataBytes).toBeGreaterThan(1000);
    expect(displaySize(inspectImage(read("exif-orientation/Landscape_6.jpg"), LIMITS))).toEqual({ width: 1800, height: 1200 });
  });

  it("applies pixel, frame and total-pixel limits to real files", () => {
    const wood = read("webp-still/wood-d.webp");
    expect(inspect(wood, { ...LIMITS, maxPixels: 16_000_000 })).toBe("image_too_large");
    expect(inspect(wood, { ...LIMITS, maxSide: 4000 })).toBe("image_too_large");
    const muybridge = read("animated/gifplayer-muybridge.gif");
    expect(inspect(muybridge, { ...LIMITS, maxFrames: 300 })).toBe("image_too_large");
    expect(inspect(muybridge, { ...LIMITS, maxTotalPixels: 50_000_000 })).toBe("image_too_large");
    expect(inspect(read("animated/random_lossy.webp"), { ...LIMITS, maxFrames: 3 })).toBe("image_too_large");
  });
});

// ---- generated hostile inputs --------------------------------------------------------------
