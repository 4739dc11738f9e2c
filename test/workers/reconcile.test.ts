import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import resize from "../../workers/resize/index";
import { reconcileStuckImages } from "../../workers/resize/reconcile";
import { env } from "./env";
import { bytes, PNG_40x30 } from "./fixtures";
import { upload, uploaded } from "./helpers";

type ResizeEnv = Cloudflare.ResizeEnv;
const HOUR = 3600_000;

/** The resize Worker's env, with a queue that records what the reconciler re-sends. */
function resizeEnv() {
  const sent: unknown[] = [];
  const queue = {
    send: async (body: unknown, opts?: QueueSendOptions) => {
      sent.push(body);
      await env.RESIZE_QUEUE.send(body as never, opts);
    },
  };
  return { sent, env: { ...(env as unknown as ResizeEnv), RECONCILE_AFTER_SECONDS: "600", RESIZE_QUEUE: queue as unknown as Queue } };
}

async function stuckImage(ageMs: number, attempts = 0) {
  const created = await uploaded(await upload(bytes(PNG_40x30)));
  await env.DB.prepare("UPDATE images SET updated_at = ?, attempts = ? WHERE id = ?").bind(Date.now() - ageMs, attempts, created.id).run();
  return created.id;
}

const statusOf = (id: string) => env.DB.prepare("SELECT status, error FROM images WHERE id = ?").bind(id).first<{ status: string; error: string | null }>();

describe("the scheduled reconciler", () => {
  it("re-sends the job of an image stuck past the timeout, once per period", async () => {
    const id = await stuckImage(HOUR);
    const fresh = (await uploaded(await upload(bytes(PNG_40x30)))).id;
    const { sent, env: e } = resizeEnv();
    const report = await reconcileStuckImages(e);
    expect(report.requeued).toContain(id);
    expect(report.requeued).not.toContain(fresh);
    expect(sent).toContainEqual(expect.objectContaining({ v: 1, id, key: `originals/${id}`, type: "image/png", width: 40, height: 30 }));
    const again = await reconcileStuckImages(e);
    expect(again.requeued).not.toContain(id);
  });

  it("marks an image failed when its original is gone", async () => {
    const id = await stuckImage(HOUR);
    await env.BUCKET.delete(`originals/${id}`);
    const report = await reconcileStuckImages(resizeEnv().env);
    expect(report.failed).toContain(id);
    expect(await statusOf(id)).toEqual({ status: "failed", error: "the original is missing from storage" });
  });

  it("gives up on an image that used all its attempts", async () => {
    const id = await stuckImage(HOUR, 8);
    const report = await reconcileStuckImages(resizeEnv().env);
    expect(report.failed).toContain(id);
    expect((await statusOf(id))?.error).toMatch(/did not finish after 8 attempts/);
  });

  it("runs from the Worker's cron trigger", async () => {
    const id = await stuckImage(HOUR);
    const { sent, env: e } = resizeEnv();
    const ctx = createExecutionContext();
    await resize.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: new Date() }), e, ctx);
    await waitOnExecutionContext(ctx);
    expect(sent).toContainEqual(expect.objectContaining({ id }));
  });
});
