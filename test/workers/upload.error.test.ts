import { env } from "./env";
import { beforeEach, describe, expect, it } from "vitest";
import { bytes, JPEG_640x480, PNG_40x30 } from "./fixtures";
import { call, expectError, failing, form, leftovers, upload, uploaded } from "./helpers";

// Storage may carry state from earlier tests: compare against what was there before each test.
let before: Awaited<ReturnType<typeof leftovers>>;
beforeEach(async () => {
  before = await leftovers();
});

async function expectNothingLeft() {
  const left = await leftovers();
  expect(left.objects).toEqual(before.objects);
  expect(left.rows).toEqual(before.rows);
  expect(left.held).toEqual([]);
}

describe("rejected uploads leave nothing behind", () => {
  it("413 for a body over the limit, counted while reading", async () => {
    const big = new Uint8Array(2048);
    big.set(bytes(JPEG_640x480).subarray(0, 2048));
    const res = await call("/api/images", { method: "POST", body: big }, { MAX_UPLOAD_BYTES: "1024" });
    await expectError(res, 413, "payload_too_large");
    await expectNothingLeft();
  });

  it("413 from Content-Length before reading", async () => {
    const res = await call("/api/images", { method: "POST", body: "x", headers: { "content-length": String(64 * 1024 * 1024) } });
    await expectError(res, 413, "payload_too_large");
  });

  it("413 for a multipart file over the limit", async () => {
    const res = await call("/api/images", { method: "POST", body: form(bytes(JPEG_640x480)) }, { MAX_UPLOAD_BYTES: "1000" });
    await expectError(res, 413, "payload_too_large");
    await expectNothingLeft();
  });

  it("400 for a missing file field, an empty body and malformed multipart", async () => {
    const fd = new FormData();
    fd.append("other", "x");
    await expectError(await call("/api/images", { method: "POST", body: fd }), 400, "bad_request");
    await expectError(await call("/api/images", { method: "POST" }), 400, "bad_request");
    const broken = await call("/api/images", { method: "POST", body: "--nope\r\n", headers: { "content-type": "multipart/form-data; boundary=zzz" } });
    await expectError(broken, 400, "bad_request");
    const textField = new FormData();
    textField.append("file", "not a file");
    await expectError(await call("/api/images", { method: "POST", body: textField }), 400, "bad_request");
    await expectNothingLeft();
  });

  it("415 for bytes that are not an image, whatever the client claims", async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    const res = await call("/api/images", { method: "POST", body: form(svg, "a.jpg", "image/jpeg") });
    await expectError(res, 415, "unsupported_media_type");
    await expectError(await upload(new TextEncoder().encode("<html><script>alert(1)</script>")), 415, "unsupported_media_type");
    await expectNothingLeft();
  });

  it("422 for a lying or truncated header", async () => {
    const png = bytes(PNG_40x30);
    await expectError(await upload(png.subarray(0, 40)), 422, "invalid_image");
    const jpeg = bytes(JPEG_640x480);
    await expectError(await upload(jpeg.subarray(0, jpeg.length >> 1)), 422, "invalid_image");
    await expectNothingLeft();
  });

  it("422 image_too_large from the header's dimensions", async () => {
    const res = await upload(bytes(JPEG_640x480), { MAX_PIXELS: "1000" });
    await expectError(res, 422, "image_too_large");
    await expectNothingLeft();
  });
});

describe("slow and endless bodies", () => {
  it("408 when the body stalls, without waiting for the client", async () => {
    const head = bytes(JPEG_640x480).subarray(0, 100);
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
    });
    const res = await call("/api/images", { method: "POST", body: stalled }, { UPLOAD_IDLE_TIMEOUT_SECONDS: "1" });
    await expectError(res, 408, "request_timeout");
    await expectNothingLeft();
  });

  it("413 as soon as an endless body passes the limit", async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const res = await call("/api/images", { method: "POST", body: endless }, { MAX_UPLOAD_BYTES: String(1024 * 1024) });
    await expectError(res, 413, "payload_too_large");
    expect(sent).toBeLessThan(4 * 1024 * 1024);
    await expectNothingLeft();
  });
});

describe("a failing storage step answers 503 and undoes the earlier steps", () => {
  it("R2 put fails", async () => {
    const res = await upload(bytes(PNG_40x30), { BUCKET: failing(env.BUCKET, "put") });
    await expectError(res, 503, "unavailable");
    await expectNothingLeft();
  });

  it("D1 insert fails", async () => {
    const db = new Proxy(env.DB, {
      get(t, prop) {
        if (prop === "prepare") {
          return (query: string) => {
            if (/^\s*insert/i.test(query)) throw new Error("injected D1 fault");
            return t.prepare(query);
          };
        }
        const v = Reflect.get(t, prop);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
    await expectError(await upload(bytes(PNG_40x30), { DB: db }), 503, "unavailable");
    await expectNothingLeft();
  });

  it("queue send fails", async () => {
    const res = await upload(bytes(PNG_40x30), { RESIZE_QUEUE: failing(env.RESIZE_QUEUE, "send") });
    await expectError(res, 503, "unavailable");
    await expectNothingLeft();
  });

  it("the link allocator is unavailable (every shard fails)", async () => {
    const links = { get: () => failing({}, "allocate"), idFromName: (n: string) => env.LINKS.idFromName(n) } as unknown as typeof env.LINKS;
    const res = await upload(bytes(PNG_40x30), { LINKS: links });
    await expectError(res, 503, "unavailable");
    expect(res.headers.get("retry-after")).toBe("1");
    await expectNothingLeft();
  });

  it("one allocator shard down: uploads go to the others", async () => {
    const down = env.LINKS.idFromName("shard-0");
    const links = {
      get: (id: DurableObjectId) => (id.equals(down) ? failing({}, "allocate") : env.LINKS.get(id)),
      idFromName: (n: string) => env.LINKS.idFromName(n),
    } as unknown as typeof env.LINKS;
    for (let i = 0; i < 8; i++) expect((await uploaded(await upload(bytes(PNG_40x30), { LINKS: links }))).status).toBe("pending");
    const rows = (await env.DB.prepare("SELECT id, seq FROM images").all<{ id: string; seq: number }>()).results;
    const added = rows.filter((r) => !before.rows.includes(r.id));
    expect(added).toHaveLength(8);
    expect(added.filter((r) => Math.floor(r.seq / 65_536) % 256 === 0)).toEqual([]); // shard bits 16-23
  });

  it("a retry after a 503 succeeds", async () => {
    await expectError(await upload(bytes(PNG_40x30), { BUCKET: failing(env.BUCKET, "put") }), 503, "unavailable");
    const ok = await uploaded(await upload(bytes(PNG_40x30)));
    expect(ok.status).toBe("pending");
  });
});

describe("lookups and deletes", () => {
  it("404 for an unknown id, 400 for a malformed one, JSON 404 for unknown routes", async () => {
    await expectError(await call("/api/images/zzzzzzz"), 404, "not_found");
    await expectError(await call("/api/images/..%2F..%2Fx"), 400, "bad_request");
    await expectError(await call("/nope"), 404, "not_found");
  });

  it("401 without a token, 403 with a wrong one; the image stays", async () => {
    const created = await uploaded(await upload(bytes(PNG_40x30)));
    await expectError(await call(`/api/images/${created.id}`, { method: "DELETE" }), 401, "unauthorized");
    const wrong = await call(`/api/images/${created.id}`, { method: "DELETE", headers: { authorization: "Bearer nope" } });
    await expectError(wrong, 403, "forbidden");
    const almost = created.delete_token.slice(0, -1) + (created.delete_token.endsWith("A") ? "B" : "A");
    await expectError(await call(`/api/images/${created.id}`, { method: "DELETE", headers: { authorization: `Bearer ${almost}` } }), 403, "forbidden");
    expect((await call(`/api/images/${created.id}`)).status).toBe(200);
    expect(await env.BUCKET.head(`originals/${created.id}`)).not.toBeNull();
  });

  it("503 when the database fails on a lookup, not a 500", async () => {
    const created = await uploaded(await upload(bytes(PNG_40x30)));
    const broken = {
      prepare: () => {
        throw new Error("injected");
      },
    } as unknown as D1Database;
    await expectError(await call(`/api/images/${created.id}`, {}, { DB: broken }), 503, "unavailable");
  });

  it("a delete whose storage step fails answers 503, keeps the record, and a retry finishes it", async () => {
    const created = await uploaded(await upload(bytes(PNG_40x30)));
    const auth = { authorization: `Bearer ${created.delete_token}` };
    const res = await call(`/api/images/${created.id}`, { method: "DELETE", headers: auth }, { BUCKET: failing(env.BUCKET, "delete") });
    await expectError(res, 503, "unavailable");
    expect((await call(`/api/images/${created.id}`)).status).toBe(200);
    expect((await call(`/api/images/${created.id}`, { method: "DELETE", headers: auth })).status).toBe(204);
    expect(await env.BUCKET.head(`originals/${created.id}`)).toBeNull();
  });

  it("/healthz answers 503 when a binding does not answer", async () => {
    await expectError(await call("/healthz", {}, { BUCKET: failing(env.BUCKET, "head") }), 503, "unavailable");
  });

  it("404 when deleting an image that does not exist", async () => {
    await expectError(await call("/api/images/abcdefg", { method: "DELETE", headers: { authorization: "Bearer x" } }), 404, "not_found");
  });
});
