import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORPUS, startTestSystem, uploadOk, waitSettled, type TestSystem } from "./system";
import { originalKey } from "../../core/variants";
import { motionPhotoBlocks, sefTrailer } from "../sef";

let sys: TestSystem;
let base: string;
beforeAll(async () => {
  sys = await startTestSystem();
  base = sys.url;
});
afterAll(() => sys?.stop());

const WEBP = { accept: "image/avif,image/webp,*/*" };

describe("upload → queue → resize → serve", () => {
  let id: string;
  let token: string;

  it("accepts a photo and makes its variants within seconds", async () => {
    const photo = await readFile(path.join(CORPUS, "photos/LadyBird.jpg"));
    const created = await uploadOk(base, photo, "LadyBird.jpg");
    expect(created).toMatchObject({ status: "pending", width: 2560, height: 1600, format: "jpeg" });
    id = created.id;
    token = created.delete_token;
    const record = await waitSettled(base, id);
    expect(record.status).toBe("ready");
    const sizes = record.variants.map((v) => `${v.width}x${v.height}.${v.format}`).sort();
    expect(sizes).toEqual(["1024x640.jpeg", "1024x640.webp", "500x313.jpeg", "500x313.webp", "800x500.jpeg", "800x500.webp"].sort());
  });

  it("serves /i/{id} as the 1024 WebP to a client that accepts WebP, then from the cache", async () => {
    const first = await fetch(`${base}/i/${id}`, { headers: WEBP });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("image/webp");
    expect(first.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(first.headers.get("vary")).toBe("Accept");
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("x-cache")).toBe("MISS");
    const meta = await sharp(Buffer.from(await first.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(["webp", 1024, 640, undefined]);

    // The cache write happens after the response; give it a moment.
    await new Promise((r) => setTimeout(r, 200));
    const second = await fetch(`${base}/i/${id}`, { headers: WEBP });
    expect(second.headers.get("x-cache")).toBe("HIT");
    expect(second.headers.get("etag")).toBe(first.headers.get("etag"));
    await second.arrayBuffer();
  });

  it("serves each width, never upscaled, and the extension forces the format", async () => {
    for (const [url, format, width] of [
      [`/i/${id}/800`, "jpeg", 800],
      [`/i/${id}/500.jpg`, "jpeg", 500],
      [`/i/${id}/1024.webp`, "webp", 1024],
    ] as const) {
      const res = await fetch(base + url);
      expect(res.status, url).toBe(200);
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.width], url).toEqual([format, width]);
      expect(res.headers.get("vary"), url).toBe(url.includes(".") ? null : "Accept");
    }
  });

  it("answers conditional, HEAD and Range requests", async () => {
    const full = await fetch(`${base}/i/${id}/500.jpg`);
    const etag = full.headers.get("etag")!;
    const body = new Uint8Array(await full.arrayBuffer());
    expect(etag).toMatch(/^"[^"]+"$/);
    const notModified = await fetch(`${base}/i/${id}/500.jpg`, { headers: { "if-none-match": `"other", ${etag}` } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("etag")).toBe(etag);
    const head = await fetch(`${base}/i/${id}/500.jpg`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(body.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const range = await fetch(`${base}/i/${id}/500.jpg`, { headers: { range: "bytes=0-9" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe(`bytes 0-9/${body.byteLength}`);
    expect(new Uint8Array(await range.arrayBuffer())).toEqual(body.subarray(0, 10));
    const bad = await fetch(`${base}/i/${id}/500.jpg`, { headers: { range: `bytes=${body.byteLength}-` } });
    expect(bad.status).toBe(416);
    await bad.arrayBuffer();
  });

  it("answers unknown ids, widths and extensions with JSON errors", async () => {
    for (const [url, status] of [
      ["/i/zzzzzzz", 404],
      ["/i/not-an-id", 400],
      [`/i/${id}/333`, 404],
      [`/i/${id}/2048`, 404],
      [`/i/${id}/800.gif`, 400],
    ] as const) {
      const res = await fetch(base + url);
      expect(res.status, url).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code, url).toMatch(/not_found|bad_request/);
    }
  });

  it("deleting purges the cached copies", async () => {
    const warm = await fetch(`${base}/i/${id}/800.webp`);
    await warm.arrayBuffer();
    await new Promise((r) => setTimeout(r, 200));
    const del = await fetch(`${base}/api/images/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(204);
    for (const url of [`/i/${id}`, `/i/${id}/800.webp`, `/i/${id}/500.jpg`]) {
      const res = await fetch(base + url, { headers: WEBP });
      expect(res.status, url).toBe(404);
      await res.arrayBuffer();
    }
  });
});

describe("phone photos with trailers", () => {
  it("takes a Samsung motion photo (SEF trailer with 5 MB of video), resizes it and keeps its bytes", async () => {
    const photo = await readFile(path.join(CORPUS, "photos/FreshFlower.jpg"));
    const upload = Buffer.concat([photo, sefTrailer(motionPhotoBlocks(5 << 20))]);
    const created = await uploadOk(base, upload, "20231114_221320.jpg");
    expect(created).toMatchObject({ width: 1600, height: 1203, format: "jpeg" });
    const record = await waitSettled(base, created.id);
    expect(record.status).toBe("ready");
    expect(record.variants.map((v) => `${v.width}.${v.format}`).sort()).toEqual(["1024.jpeg", "1024.webp", "500.jpeg", "500.webp", "800.jpeg", "800.webp"]);
    const bucket = await sys.mf.getR2Bucket("BUCKET", "img-upload");
    const original = await bucket.get(originalKey(created.id));
    expect(Buffer.from(await original!.arrayBuffer()).equals(upload)).toBe(true);
    // The resize Worker reads only the JPEG: the video after it never enters its memory.
    const eoi = Buffer.from(photo).lastIndexOf(Buffer.from([0xff, 0xd9])) + 2;
    expect(original!.customMetadata).toEqual({ id: created.id, imageBytes: String(eoi) });
  });
});

describe("while processing", () => {
  it("answers 202 without long-lived caching until the variants exist", async () => {
    const photo = await readFile(path.join(CORPUS, "photos/RainDrops.jpg"));
    const created = await uploadOk(base, photo, "RainDrops.jpg");
    const res = await fetch(`${base}/i/${created.id}`);
    if (res.status === 202) {
      expect(res.headers.get("cache-control")).toBe("public, max-age=2");
      expect(((await res.json()) as { status: string }).status).toMatch(/pending|processing/);
    } else {
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await waitSettled(base, created.id);
    // The 202 may be reused from the edge cache for its 2 s; then the image is served.
    await new Promise((r) => setTimeout(r, res.status === 202 ? 2_100 : 0));
    const after = await fetch(`${base}/i/${created.id}`);
    expect(after.status).toBe(200);
    await after.arrayBuffer();
  });
});

describe("animations", () => {
  it("get animated WebP variants, timed as the source, and still JPEG/PNG fallbacks of the first frame", async () => {
    const gif = await readFile(path.join(CORPUS, "animated/moon_impact.gif"));
    const created = await uploadOk(base, gif, "moon_impact.gif");
    const record = await waitSettled(base, created.id);
    expect(record.status).toBe("ready");
    expect(record.variants.map((v) => `${v.width}x${v.height}.${v.format}`).sort()).toEqual(["116x100.jpeg", "116x100.webp"]);
    const source = await sharp(gif, { animated: true }).metadata();
    const webp = await fetch(`${base}/i/${created.id}`, { headers: WEBP });
    expect(webp.headers.get("content-type")).toBe("image/webp");
    const moving = await sharp(Buffer.from(await webp.arrayBuffer()), { animated: true }).metadata();
    // libwebp merges a frame equal to the one before into it: the same timeline, maybe fewer frames.
    expect([moving.width, moving.pageHeight, moving.loop]).toEqual([116, 100, source.loop]);
    expect(moving.pages).toBeGreaterThan(1);
    const total = (delays: number[] = []) => delays.reduce((a, b) => a + b, 0);
    expect(total(moving.delay)).toBe(total(source.delay));
    // Its first frame is opaque: a JPEG fallback.
    const jpeg = await fetch(`${base}/i/${created.id}/116.jpg`);
    const still = await sharp(Buffer.from(await jpeg.arrayBuffer())).metadata();
    expect([still.format, still.pages ?? 1]).toEqual(["jpeg", 1]);
  });

  it("an animated PNG (APNG) gets animated WebP variants too", async () => {
    const apng = await readFile(new URL("../unit/fixtures/apng-3-frames.png", import.meta.url));
    const created = await uploadOk(base, apng, "three-frames.png");
    const record = await waitSettled(base, created.id);
    expect(record.status).toBe("ready");
    expect(record.variants.map((v) => `${v.width}x${v.height}.${v.format}`).sort()).toEqual(["64x48.jpeg", "64x48.webp"]);
    const webp = await fetch(`${base}/i/${created.id}`, { headers: WEBP });
    expect(webp.headers.get("content-type")).toBe("image/webp");
    const moving = await sharp(Buffer.from(await webp.arrayBuffer()), { animated: true }).metadata();
    expect([moving.width, moving.pageHeight, moving.loop]).toEqual([64, 48, 0]);
    expect(moving.pages).toBeGreaterThan(1);
    expect((moving.delay ?? []).reduce((a, b) => a + b, 0)).toBe(600);
  });
});
