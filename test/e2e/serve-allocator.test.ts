import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLinkCodec } from "../../core/link-codec";
import { get, photo, readyImage, startServeSystem, type ServeSystem } from "./serve-system";
import { uploadOk } from "./system";

// The serve Worker's D1 binding points at an empty database here: any request that reaches D1
// fails with 503. So a 404 proves the allocator refused the id without a D1 (or R2) call.
let sys: ServeSystem;
let base: string;
beforeAll(async () => {
  sys = await startServeSystem({ serve: { d1Databases: { DB: { id: "serve-without-the-link-map" } } } });
  base = sys.url;
});
afterAll(() => sys?.stop());

describe("never-issued ids", () => {
  it("are refused by the allocator's check without touching D1 or R2", async () => {
    const codec = createLinkCodec("local-development-link-key-not-secret");
    // Ids of integers no shard has handed out: the first ids of shards and blocks nobody leased.
    for (const id of ["zzzzzzz", "0000000", codec.encode(2 ** 40 + 12345)]) {
      const res = await get(`${base}/i/${id}/800`);
      expect([res.status, res.json().error.code, res.headers.get("cache-control")], id).toEqual([404, "not_found", "public, max-age=60"]);
    }
  });

  it("while an issued id goes on to D1 (here: the empty one, so 503)", async () => {
    const { id } = await uploadOk(base, await photo(), "LadyBird.jpg");
    const res = await get(`${base}/i/${id}`);
    expect([res.status, res.json().error.code, res.headers.get("retry-after")]).toEqual([503, "unavailable", "1"]);
  });
});

describe("when the allocator fails", () => {
  // LINKS bound to a class that does not exist: every allocator call throws.
  let broken: ServeSystem;
  beforeAll(async () => {
    broken = await startServeSystem({ serve: { durableObjects: { LINKS: { className: "NoSuchAllocator", scriptName: "img-resize" } } } });
  });
  afterAll(() => broken?.stop());

  it("serving fails open: images are served from the row, unknown ids still 404 from D1", async () => {
    const { id } = await readyImage(broken.url, await photo(), "LadyBird.jpg");
    const res = await get(`${broken.url}/i/${id}/800`);
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "image/jpeg"]);
    expect(res.headers.get("server-timing")).toMatch(/^allocator;dur=\d+, d1;dur=\d+, r2;dur=\d+$/);
    const unknown = await get(`${broken.url}/i/zzzzzzz`);
    expect([unknown.status, unknown.json().error.code]).toEqual([404, "not_found"]);
  });
});
