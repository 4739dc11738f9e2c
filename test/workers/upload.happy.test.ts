import { env } from "./env";
import { describe, expect, it } from "vitest";
import { ImageRecord } from "../../core/schemas";
import { bytes, JPEG_640x480, PNG_40x30 } from "./fixtures";
import { call, form, leftovers, upload, uploaded } from "./helpers";

describe("POST /api/images", () => {
  it("stores a multipart upload and answers 202 with the record", async () => {
    const res = await upload(bytes(JPEG_640x480));
    const body = await uploaded(res);
    expect(body).toMatchObject({ status: "pending", width: 640, height: 480, format: "jpeg", variants: [] });
    expect(body.id).toMatch(/^[0-9A-Za-z]{7}$/);
    expect(body.url).toBe(`http://127.0.0.1:8787/i/${body.id}`);
    expect(body.delete_token.length).toBeGreaterThanOrEqual(43);
    expect(res.headers.get("location")).toBe(`http://127.0.0.1:8787/api/images/${body.id}`);

    const object = await env.BUCKET.get(`originals/${body.id}`);
    expect(object?.httpMetadata?.contentType).toBe("image/jpeg");
    expect((await object!.arrayBuffer()).byteLength).toBe(bytes(JPEG_640x480).byteLength);
    const row = await env.DB.prepare("SELECT * FROM images WHERE id = ?").bind(body.id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ status: "pending", format: "jpeg", width: 640, height: 480 });
    expect(row!.delete_token_hash).not.toBe(body.delete_token);
    expect((await leftovers()).held).toEqual([]);
  });

  it("accepts the image as the raw body and detects its type from the bytes, not the client", async () => {
    const res = await call("/api/images", { method: "POST", body: bytes(PNG_40x30), headers: { "content-type": "image/jpeg" } });
    const body = await uploaded(res);
    expect(body.format).toBe("png");
    expect((await env.BUCKET.head(`originals/${body.id}`))?.httpMetadata?.contentType).toBe("image/png");
  });

  it("takes the type from the bytes when the file name lies", async () => {
    const fd = form(bytes(PNG_40x30), "cat.gif", "image/gif");
    const body = await uploaded(await call("/api/images", { method: "POST", body: fd }));
    expect(body.format).toBe("png");
  });

  it("gives every upload its own link", async () => {
    const ids = new Set<string>();
    const results = await Promise.all(Array.from({ length: 20 }, () => upload(bytes(PNG_40x30)).then(uploaded)));
    for (const r of results) ids.add(r.id);
    expect(ids.size).toBe(20);
  });
});

describe("GET /api/images/{id}", () => {
  it("returns the record without the delete token", async () => {
    const created = await uploaded(await upload(bytes(PNG_40x30)));
    const res = await call(`/api/images/${created.id}`);
    expect(res.status).toBe(200);
    const json = await res.json();
    const record = ImageRecord.parse(json);
    expect(record.id).toBe(created.id);
    expect(json).not.toHaveProperty("delete_token");
  });
});

describe("DELETE /api/images/{id}", () => {
  it("removes the original, the variants and the row with the right token", async () => {
    const created = await uploaded(await upload(bytes(PNG_40x30)));
    await env.BUCKET.put(`variants/${created.id}/40.png`, "x");
    const res = await call(`/api/images/${created.id}`, { method: "DELETE", headers: { authorization: `Bearer ${created.delete_token}` } });
    expect(res.status).toBe(204);
    expect(await env.BUCKET.head(`originals/${created.id}`)).toBeNull();
    expect(await env.BUCKET.head(`variants/${created.id}/40.png`)).toBeNull();
    expect((await call(`/api/images/${created.id}`)).status).toBe(404);
  });
});

describe("pages", () => {
  it("serves the upload page with a strict CSP and nosniff", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toContain("<title>");
  });

  it("answers /healthz when the bindings answer", async () => {
    expect((await call("/healthz")).status).toBe(200);
  });
});
