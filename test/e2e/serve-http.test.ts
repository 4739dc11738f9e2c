import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCEPT, get, missThenHit, narrowAlphaPng, photo, readyImage, startServeSystem, type ServeSystem } from "./serve-system";

// Every caching and HTTP rule for a ready image, against the real system in workerd.
let sys: ServeSystem;
let base: string;
let id: string;
let narrow: string;
beforeAll(async () => {
  sys = await startServeSystem();
  base = sys.url;
  id = (await readyImage(base, await photo(), "LadyBird.jpg")).id;
  narrow = (await readyImage(base, await narrowAlphaPng(), "narrow.png")).id;
});
afterAll(() => sys?.stop());

const IMMUTABLE = "public, max-age=31536000, immutable";

describe("variants, formats and headers", () => {
  it("serves every width and format with the image headers, a MISS then a HIT with the same bytes", async () => {
    for (const [path, accept, type, width, vary] of [
      ["", ACCEPT.chrome, "image/webp", 1024, "Accept"],
      ["/1024", ACCEPT.any, "image/jpeg", 1024, "Accept"],
      ["/800", ACCEPT.webp, "image/webp", 800, "Accept"],
      ["/500", ACCEPT.jpegOnly, "image/jpeg", 500, "Accept"],
      ["/800.jpg", ACCEPT.chrome, "image/jpeg", 800, null],
      ["/500.webp", ACCEPT.any, "image/webp", 500, null],
    ] as const) {
      const url = `${base}/i/${id}${path}`;
      const { first, hit } = await missThenHit(url, { accept });
      expect([first.status, first.headers.get("x-cache")], url).toEqual([200, "MISS"]);
      for (const res of [first, hit]) {
        expect(res.headers.get("content-type"), url).toBe(type);
        expect(res.headers.get("cache-control"), url).toBe(IMMUTABLE);
        expect(res.headers.get("vary"), url).toBe(vary);
        expect(res.headers.get("x-content-type-options"), url).toBe("nosniff");
        expect(res.headers.get("cross-origin-resource-policy"), url).toBe("cross-origin");
        expect(res.headers.get("content-disposition"), url).toBe(`inline; filename="${id}-${width}.${type === "image/webp" ? "webp" : "jpg"}"`);
        expect(res.headers.get("cache-tag"), url).toBe(`img-${id}`);
        expect(res.headers.get("etag"), url).toMatch(/^"[0-9a-f]+"$/);
        expect(res.headers.get("last-modified"), url).toMatch(/GMT$/);
        expect(res.headers.get("content-length"), url).toBe(String(res.body.byteLength));
      }
      // A miss says what it cost (the first one of an image in an isolate reads the allocator and D1,
      // later ones reuse the ready row); a hit is the stored answer, untouched.
      expect(first.headers.get("server-timing"), url).toMatch(path === "" ? /^allocator;dur=\d+, d1;dur=\d+, r2;dur=\d+$/ : /^r2;dur=\d+$/);
      expect(hit.headers.get("server-timing"), url).toBeNull();
      expect(hit.body, url).toEqual(first.body);
      expect(hit.headers.get("etag")).toBe(first.headers.get("etag"));
      const meta = await sharp(Buffer.from(hit.body)).metadata();
      expect([meta.format, meta.width, meta.exif], url).toEqual([type === "image/webp" ? "webp" : "jpeg", width, undefined]);
    }
  });

  it("never hands a cached answer for one Accept to a client that asked for another", async () => {
    const url = `${base}/i/${id}/800`;
    const webp = await missThenHit(url, { accept: ACCEPT.chrome });
    expect(webp.hit.headers.get("content-type")).toBe("image/webp");
    // The WebP is in the cache now; clients that did not list WebP must still get JPEG, each from its own entry.
    // (They all list no modern format, so they share one entry: the first one misses.)
    for (const [i, accept] of [ACCEPT.jpegOnly, ACCEPT.any, "image/png,image/*;q=0.8", "image/webp;q=0, image/*"].entries()) {
      const { first, hit } = await missThenHit(url, { accept });
      expect([first.headers.get("x-cache"), first.headers.get("content-type")], accept).toEqual([i === 0 ? "MISS" : "HIT", "image/jpeg"]);
      expect(hit.headers.get("content-type"), accept).toBe("image/jpeg");
    }
    const none = await fetch(url);
    expect(none.headers.get("content-type")).toBe("image/jpeg");
    await none.arrayBuffer();
    // And the JPEG entries do not leak back to WebP clients.
    const again = await get(url, { accept: ACCEPT.chrome });
    expect([again.headers.get("x-cache"), again.headers.get("content-type")]).toEqual(["HIT", "image/webp"]);
  });

  it("answers a width wider than the image with its largest variant, in place", async () => {
    for (const [path, accept, type, width] of [
      ["", ACCEPT.any, "image/png", 700],
      ["/1024", ACCEPT.chrome, "image/webp", 700],
      ["/800.png", ACCEPT.any, "image/png", 700],
      ["/700", ACCEPT.any, "image/png", 700],
      ["/500", ACCEPT.any, "image/png", 500],
    ] as const) {
      const { hit } = await missThenHit(`${base}/i/${narrow}${path}`, { accept });
      expect([hit.status, hit.headers.get("content-type")], path).toEqual([200, type]);
      const meta = await sharp(Buffer.from(hit.body)).metadata();
      expect([meta.width, meta.hasAlpha], path).toEqual([width, true]);
    }
  });
});

describe("validators, HEAD and ranges", () => {
  let url: string;
  let etag: string;
  let lastModified: string;
  let body: Uint8Array;
  beforeAll(async () => {
    url = `${base}/i/${id}/500.jpg`;
    const { hit } = await missThenHit(url);
    etag = hit.headers.get("etag")!;
    lastModified = hit.headers.get("last-modified")!;
    body = hit.body;
  });

  it("answers 304 to If-None-Match (exact, lists, weak, *) and If-Modified-Since, keeping the validators", async () => {
    for (const headers of <Record<string, string>[]>[
      { "if-none-match": etag },
      { "if-none-match": `"nope", ${etag}` },
      { "if-none-match": `W/${etag}` },
      { "if-none-match": "*" },
      { "if-modified-since": lastModified },
      { "if-modified-since": new Date(Date.parse(lastModified) + 60_000).toUTCString() },
    ]) {
      const res = await get(url, headers);
      expect(res.status, JSON.stringify(headers)).toBe(304);
      expect(res.body.byteLength).toBe(0);
      expect([res.headers.get("etag"), res.headers.get("cache-control"), res.headers.get("last-modified")]).toEqual([etag, IMMUTABLE, lastModified]);
    }
    const negotiated = await get(`${base}/i/${id}/500`, { "if-none-match": "*" });
    expect([negotiated.status, negotiated.headers.get("vary")]).toEqual([304, "Accept"]);
  });

  it("sends the body when the validator does not match, and If-None-Match overrides If-Modified-Since", async () => {
    expect((await get(url, { "if-none-match": '"other"' })).status).toBe(200);
    expect((await get(url, { "if-modified-since": new Date(Date.parse(lastModified) - 60_000).toUTCString() })).status).toBe(200);
    expect((await get(url, { "if-modified-since": "not a date" })).status).toBe(200);
    expect((await get(url, { "if-none-match": '"other"', "if-modified-since": lastModified })).status).toBe(200);
  });

  it("answers HEAD with the headers and no body, on a hit and on a miss", async () => {
    const hit = await get(url, {}, "HEAD");
    expect([hit.status, hit.headers.get("content-length"), hit.headers.get("x-cache"), hit.body.byteLength]).toEqual([200, String(body.byteLength), "HIT", 0]);
    const miss = await get(`${base}/i/${narrow}/500.webp`, {}, "HEAD");
    expect([miss.status, miss.headers.get("content-type"), miss.headers.get("x-cache"), miss.body.byteLength]).toEqual([200, "image/webp", "MISS", 0]);
    expect(Number(miss.headers.get("content-length"))).toBeGreaterThan(0);
  });

  it("serves single ranges with 206, refuses unsatisfiable ones with 416, and ignores multi-range", async () => {
    const n = body.byteLength;
    for (const [range, start, end] of [
      ["bytes=0-9", 0, 9],
      [`bytes=${n - 5}-`, n - 5, n - 1],
      ["bytes=-7", n - 7, n - 1],
      [`bytes=100-${n + 1000}`, 100, n - 1],
    ] as const) {
      const res = await get(url, { range });
      expect([res.status, res.headers.get("content-range")], range).toEqual([206, `bytes ${start}-${end}/${n}`]);
      expect(res.body, range).toEqual(body.subarray(start, end + 1));
      expect(res.headers.get("content-length")).toBe(String(end - start + 1));
    }
    const bad = await get(url, { range: `bytes=${n}-` });
    expect([bad.status, bad.headers.get("content-range"), bad.headers.get("cache-control")]).toEqual([416, `bytes */${n}`, "no-store"]);
    expect(bad.json().error.code).toBe("range_not_satisfiable");
    for (const range of ["bytes=0-1,5-6", "items=0-1", "bytes=9-1"]) {
      const res = await get(url, { range });
      expect([res.status, res.body.byteLength], range).toEqual([200, n]);
    }
  });

  it("honours If-Range only for the current validator", async () => {
    expect((await get(url, { range: "bytes=0-9", "if-range": etag })).status).toBe(206);
    expect((await get(url, { range: "bytes=0-9", "if-range": lastModified })).status).toBe(206);
    const stale = await get(url, { range: "bytes=0-9", "if-range": '"old"' });
    expect([stale.status, stale.body.byteLength]).toEqual([200, body.byteLength]);
  });

  it("serves a range on a cache miss too", async () => {
    const res = await get(`${base}/i/${id}/1024.jpg`, { range: "bytes=0-1" });
    expect([res.status, res.headers.get("x-cache"), [...res.body]]).toEqual([206, "MISS", [0xff, 0xd8]]);
  });
});
