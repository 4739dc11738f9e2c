import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorResponse } from "../../core/schemas";
import { ACCEPT, get, missThenHit, photo, readyImage, startServeSystem, type ServeSystem } from "./serve-system";

// Everything that is not a plain ready variant: errors, short-lived answers, AVIF, purge on delete.
let sys: ServeSystem;
let base: string;
let db: D1Database;
let bucket: R2Bucket;
beforeAll(async () => {
  sys = await startServeSystem();
  base = sys.url;
  db = (await sys.mf.getD1Database("DB", "img-upload")) as unknown as D1Database;
  bucket = (await sys.mf.getR2Bucket("BUCKET", "img-upload")) as unknown as R2Bucket;
});
afterAll(() => sys?.stop());

/** A link id of the right shape that the allocator never handed out (ids are a keyed permutation). */
const NEVER_ISSUED = "zzzzzzz";

describe("malformed requests", () => {
  it("answers bad ids, widths, extensions, routes and methods with the one JSON error shape", async () => {
    const id = (await readyImage(base, await photo(), "LadyBird.jpg")).id;
    for (const [method, path, status, code] of [
      ["GET", "/i/not-an-id", 400, "bad_request"],
      ["GET", "/i/abc", 400, "bad_request"],
      ["GET", `/i/${id}/333`, 404, "not_found"],
      ["GET", `/i/${id}/2048`, 404, "not_found"],
      ["GET", `/i/${id}/0800`, 404, "not_found"],
      ["GET", `/i/${id}/800.gif`, 400, "bad_request"],
      ["GET", `/i/${id}/800.png`, 404, "not_found"],
      ["GET", `/i/${id}/800/extra`, 404, "not_found"],
      ["POST", `/i/${id}`, 405, "method_not_allowed"],
      ["DELETE", `/i/${id}/800`, 405, "method_not_allowed"],
    ] as const) {
      const res = await get(base + path, {}, method);
      expect([res.status, ErrorResponse.parse(res.json()).error.code], `${method} ${path}`).toEqual([status, code]);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      if (status === 405) expect(res.headers.get("allow")).toBe("GET, HEAD");
    }
  });
});

describe("short-lived answers", () => {
  it("caches a never-issued id's 404 for a minute, each answer with its own request id", async () => {
    const first = await get(`${base}/i/${NEVER_ISSUED}/800`);
    expect([first.status, first.headers.get("cache-control"), first.headers.get("x-cache")]).toEqual([404, "public, max-age=60", "MISS"]);
    const { hit } = await missThenHit(`${base}/i/${NEVER_ISSUED}`);
    expect([hit.status, hit.headers.get("cache-control"), hit.json().error.code]).toEqual([404, "public, max-age=60", "not_found"]);
    expect(hit.json().error.request_id).not.toBe(first.json().error.request_id);
    expect(hit.headers.get("x-origin-status")).toBeNull();
  });

  it("answers 202 JSON cached for 2 s while processing, then the image", async () => {
    const { id } = await readyImage(base, await photo(), "LadyBird.jpg");
    await db.prepare("UPDATE images SET status = 'processing' WHERE id = ?").bind(id).run();
    const { first, hit } = await missThenHit(`${base}/i/${id}/800`);
    for (const res of [first, hit]) {
      expect([res.status, res.headers.get("cache-control"), res.headers.get("retry-after")]).toEqual([202, "public, max-age=2", "2"]);
      expect(JSON.parse(new TextDecoder().decode(res.body))).toMatchObject({ id, status: "processing" });
    }
    await db.prepare("UPDATE images SET status = 'ready' WHERE id = ?").bind(id).run();
    await new Promise((r) => setTimeout(r, 2_100));
    const ready = await get(`${base}/i/${id}/800`);
    expect([ready.status, ready.headers.get("content-type")]).toEqual([200, "image/jpeg"]);
  });

  it("answers 404 with the reason for an image whose processing failed", async () => {
    const { id } = await readyImage(base, await photo(), "LadyBird.jpg");
    await db.prepare("UPDATE images SET status = 'failed', error = 'decoder gave up' WHERE id = ?").bind(id).run();
    const res = await get(`${base}/i/${id}`);
    expect([res.status, res.headers.get("cache-control")]).toEqual([404, "public, max-age=60"]);
    expect(res.json().error.message).toMatch(/decoder gave up/);
  });
});

describe("AVIF, once the resize engine makes it", () => {
  it("is served to clients that accept it, with Vary, and never to others", async () => {
    const { id } = await readyImage(base, await photo(), "LadyBird.jpg");
    const jpeg = await bucket.get(`variants/${id}/800.jpg`);
    const avif = await sharp(Buffer.from(await jpeg!.arrayBuffer())).avif({ quality: 50 }).toBuffer();
    await bucket.put(`variants/${id}/800.avif`, new Uint8Array(avif), { httpMetadata: { contentType: "image/avif" } });
    const row = await db.prepare("SELECT variants FROM images WHERE id = ?").bind(id).first<{ variants: string }>();
    const variants = [...JSON.parse(row!.variants), { width: 800, height: 500, format: "avif", bytes: avif.byteLength }];
    await db.prepare("UPDATE images SET variants = ? WHERE id = ?").bind(JSON.stringify(variants), id).run();

    for (const [path, accept, type] of [
      ["/800", ACCEPT.chrome, "image/avif"],
      ["/800", ACCEPT.webp, "image/webp"],
      ["/800", ACCEPT.any, "image/jpeg"],
      ["/800", "image/avif;q=0.5,image/webp", "image/webp"],
      ["/800.avif", ACCEPT.any, "image/avif"],
      ["/1024", ACCEPT.chrome, "image/webp"],
    ] as const) {
      const { first, hit } = await missThenHit(`${base}/i/${id}${path}`, { accept });
      expect([first.headers.get("content-type"), hit.headers.get("content-type")], `${path} ${accept}`).toEqual([type, type]);
      expect(hit.headers.get("vary"), path).toBe(path.includes(".") ? null : "Accept");
    }
    const served = await get(`${base}/i/${id}/800`, { accept: ACCEPT.chrome });
    expect(served.body).toEqual(new Uint8Array(avif));
  });
});

describe("delete", () => {
  it("purges every cached width and format, whatever Accept warmed it", async () => {
    const { id, token } = await readyImage(base, await photo(), "LadyBird.jpg");
    const warmed = [
      [`/i/${id}`, ACCEPT.chrome],
      [`/i/${id}`, ACCEPT.any],
      [`/i/${id}/800`, ACCEPT.webp],
      [`/i/${id}/800`, "image/avif"],
      [`/i/${id}/500.jpg`, ACCEPT.any],
      [`/i/${id}/1024.webp`, ACCEPT.any],
    ] as const;
    for (const [path, accept] of warmed) expect((await missThenHit(base + path, { accept })).hit.status, path).toBe(200);
    const del = await fetch(`${base}/api/images/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(204);
    for (const [path, accept] of warmed) {
      const res = await get(base + path, { accept });
      expect([res.status, res.json().error.code], `${path} ${accept}`).toEqual([404, "not_found"]);
    }
  });
});
