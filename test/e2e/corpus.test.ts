import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLimits } from "../../core/limits";
import { inspectImage } from "../../core/sniff";
import { planWidths, scaledHeight } from "../../core/variants";
import { CORPUS, manifest, startTestSystem, uploadFile, waitSettled, type ManifestEntry, type TestSystem } from "./system";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(() => sys?.stop());

const REJECT_CODES = ["unsupported_media_type", "invalid_image", "image_too_large", "metadata_too_large"];

async function storageCounts() {
  const bucket = await sys.mf.getR2Bucket("BUCKET", "img-upload");
  const db = await sys.mf.getD1Database("DB", "img-upload");
  let objects = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor });
    objects += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const rows = (await db.prepare("SELECT count(*) AS n FROM images").first<{ n: number }>())!.n;
  return { objects, rows };
}

function displaySize(e: ManifestEntry) {
  const swap = (e.orientation ?? 1) >= 5 && (e.orientation ?? 1) <= 8;
  return swap ? { width: e.height!, height: e.width! } : { width: e.width!, height: e.height! };
}

describe("the shared corpus, every file with its manifest verdict", () => {
  it("rejects each reject file with a 4xx code and stores nothing", async () => {
    const rejects = (await manifest()).filter((e) => e.expect === "reject");
    const before = await storageCounts();
    for (const entry of rejects) {
      const res = await uploadFile(sys.url, await readFile(path.join(CORPUS, entry.path)), path.basename(entry.path));
      const body = (await res.json()) as { id: string; error: { code: string } };
      expect(res.status, entry.path).toBeGreaterThanOrEqual(400);
      expect(res.status, entry.path).toBeLessThan(500);
      expect(REJECT_CODES, entry.path).toContain(body.error.code);
    }
    expect(await storageCounts()).toEqual(before);
    console.log(`corpus: ${rejects.length} reject files refused with a 4xx, nothing stored`);
  });

  it("accepts each accept file and makes variants of the right sizes", async () => {
    const accepts = (await manifest()).filter((e) => e.expect === "accept");
    const ids = new Map<string, ManifestEntry & { hasAlpha: boolean }>();
    for (const entry of accepts) {
      const bytes = await readFile(path.join(CORPUS, entry.path));
      const res = await uploadFile(sys.url, bytes, path.basename(entry.path));
      const body = (await res.json()) as { id: string; error: { code: string } };
      expect(res.status, `${entry.path}: ${JSON.stringify(body)}`).toBe(202);
      // Whether the file can carry alpha decides its variant pixel cap.
      ids.set(body.id, { ...entry, hasAlpha: inspectImage(bytes, parseLimits({})).hasAlpha });
    }
    let ready = 0;
    for (const [id, entry] of ids) {
      const record = await waitSettled(sys.url, id, 120_000);
      expect(record.status, `${entry.path}: ${record.error}`).toBe("ready");
      const display = displaySize(entry);
      expect([record.width, record.height], entry.path).toEqual([display.width, display.height]);
      const expected = planWidths(display.width, display.height, entry.hasAlpha).map((w) => `${w}x${scaledHeight(display.width, display.height, w)}`);
      const got = [...new Set(record.variants.map((v) => `${v.width}x${v.height}`))];
      expect(got, entry.path).toEqual(expected);
      // Check the bytes of the largest variant in each format really are that image.
      const largest = record.variants.filter((v) => v.width === record.variants[0]!.width);
      for (const v of largest) {
        const res = await fetch(v.url);
        expect(res.status, v.url).toBe(200);
        const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
        expect([meta.width, meta.height, meta.format === "jpeg" ? "jpeg" : meta.format], `${entry.path} ${v.url}`).toEqual([v.width, v.height, v.format]);
        expect(meta.exif, entry.path).toBeUndefined();
      }
      ready++;
    }
    console.log(`corpus: ${ready}/${accepts.length} accept files ready with correct variants`);
    expect(ready).toBe(accepts.length);
  });
});
