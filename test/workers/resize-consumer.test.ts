import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import resize from "../../workers/resize/index";
import type { ResizeJob } from "../../core/schemas";
import { env } from "./env";
import { bytes, JPEG_640x480, PNG_40x30 } from "./fixtures";
import { failing, upload, uploaded } from "./helpers";

type ResizeEnv = Cloudflare.ResizeEnv;
interface QueueResult {
  ackAll: boolean;
  explicitAcks: string[];
  retryMessages: { msgId: string }[];
}

/** Delivers one message to the resize Worker's real `queue()` handler and reports acks/retries. */
async function deliver(body: unknown, overrides: Partial<ResizeEnv> = {}, queue = "img-resize", attempts = 1): Promise<QueueResult> {
  const batch = createMessageBatch(queue, [{ id: "m1", timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await resize.queue(batch, { ...(env as unknown as ResizeEnv), ...overrides }, ctx);
  return (await getQueueResult(batch, ctx)) as unknown as QueueResult;
}

async function newImage(data = bytes(JPEG_640x480)) {
  const created = await uploaded(await upload(data));
  const row = await env.DB.prepare("SELECT * FROM images WHERE id = ?").bind(created.id).first<{ width: number; height: number; content_type: string }>();
  const job: ResizeJob = { v: 1, id: created.id, key: `originals/${created.id}`, type: row!.content_type as ResizeJob["type"], width: row!.width, height: row!.height };
  return { id: created.id, job };
}

async function status(id: string) {
  return env.DB.prepare("SELECT status, error, attempts, variants FROM images WHERE id = ?")
    .bind(id)
    .first<{ status: string; error: string | null; attempts: number; variants: string }>();
}

async function variantKeys(id: string) {
  return (await env.BUCKET.list({ prefix: `variants/${id}/` })).objects.map((o) => o.key).sort();
}

describe("resize queue consumer", () => {
  it("makes the variants, then marks the image ready", async () => {
    const { id, job } = await newImage();
    const result = await deliver(job);
    expect(result.explicitAcks).toEqual(["m1"]);
    const row = await status(id);
    expect(row).toMatchObject({ status: "ready", error: null, attempts: 1 });
    expect(JSON.parse(row!.variants)).toHaveLength(4);
    expect(await variantKeys(id)).toEqual([640, 500].flatMap((w) => [`variants/${id}/${w}.jpg`, `variants/${id}/${w}.webp`]).sort());
  });

  it("does no harm when a message is delivered twice", async () => {
    const { id, job } = await newImage(bytes(PNG_40x30));
    await deliver(job);
    const first = await env.BUCKET.head(`variants/${id}/40.webp`);
    const again = await deliver(job);
    expect(again.explicitAcks).toEqual(["m1"]);
    expect((await env.BUCKET.head(`variants/${id}/40.webp`))?.uploaded).toEqual(first?.uploaded);
    expect((await status(id))?.attempts).toBe(1);
  });

  it("drops the job of an image deleted before it ran, writing nothing", async () => {
    const { id, job } = await newImage();
    await env.DB.prepare("DELETE FROM images WHERE id = ?").bind(id).run();
    expect((await deliver(job)).explicitAcks).toEqual(["m1"]);
    expect(await variantKeys(id)).toEqual([]);
  });

  it("marks the image failed when the original is missing", async () => {
    const { id, job } = await newImage();
    await env.BUCKET.delete(`originals/${id}`);
    expect((await deliver(job)).explicitAcks).toEqual(["m1"]);
    expect(await status(id)).toMatchObject({ status: "failed", error: "the original is missing from storage" });
  });

  it("marks the image failed when the stored original cannot be decoded", async () => {
    const { id, job } = await newImage();
    await env.BUCKET.put(`originals/${id}`, bytes(JPEG_640x480).subarray(0, 900));
    expect((await deliver(job)).explicitAcks).toEqual(["m1"]);
    const row = await status(id);
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/validation|decoded/);
    expect(await variantKeys(id)).toEqual([]);
  });

  it("retries with backoff when storage fails, and leaves no variant served as complete", async () => {
    const { id, job } = await newImage();
    const result = await deliver(job, { BUCKET: failing(env.BUCKET, "get") }, "img-resize", 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect((await status(id))?.status).toBe("processing");
    // The next delivery succeeds.
    await deliver(job);
    expect((await status(id))?.status).toBe("ready");
  });

  it("a crash after some variants were written is retried and then completes", async () => {
    const { id, job } = await newImage();
    let puts = 0;
    const flaky = new Proxy(env.BUCKET, {
      get(t, prop) {
        if (prop === "put") return (...args: Parameters<R2Bucket["put"]>) => (++puts === 3 ? Promise.reject(new Error("injected")) : t.put(...args));
        const v = Reflect.get(t, prop);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
    const result = await deliver(job, { BUCKET: flaky });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect((await status(id))?.status).toBe("processing");
    await deliver(job);
    expect((await status(id))?.status).toBe("ready");
    expect(await variantKeys(id)).toHaveLength(4);
  });

  it("marks the image failed when its job reaches the dead-letter queue", async () => {
    const { id, job } = await newImage();
    await env.BUCKET.put(`variants/${id}/500.webp`, "partial");
    expect((await deliver(job, {}, "img-resize-dlq")).explicitAcks).toEqual(["m1"]);
    expect(await status(id)).toMatchObject({ status: "failed", error: "processing kept failing after every retry" });
    expect(await variantKeys(id)).toEqual([]);
  });

  it("ignores a dead letter that arrives after a later delivery already succeeded", async () => {
    const { id, job } = await newImage(bytes(PNG_40x30));
    await deliver(job);
    await deliver(job, {}, "img-resize-dlq");
    expect((await status(id))?.status).toBe("ready");
    expect(await variantKeys(id)).toHaveLength(2);
  });

  it("acknowledges and drops a malformed message instead of retrying it forever", async () => {
    const result = await deliver({ v: 1, id: "../../etc", key: "x" });
    expect(result.explicitAcks).toEqual(["m1"]);
  });
});
