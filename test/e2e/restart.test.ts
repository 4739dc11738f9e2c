import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LogLevel } from "miniflare";
import { afterAll, describe, expect, inject, it } from "vitest";
import { startSystem } from "../../scripts/lib/system.mjs";
import { CORPUS, uploadOk, waitSettled } from "./system";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The system on a given state folder; the reconciler considers any unfinished image stuck. */
function start(persistRoot: string) {
  return startSystem({
    persistRoot,
    port: 0,
    logLevel: LogLevel.NONE,
    build: inject("build"),
    workerOverrides: { resize: { bindings: { RECONCILE_AFTER_SECONDS: "0" } } },
  });
}

describe("a restart of the local runtime in the middle of processing", () => {
  it("loses no accepted upload: state is on disk and the reconciler finishes the work", async () => {
    const persistRoot = await mkdtemp(path.join(os.tmpdir(), "img-host-restart-"));
    dirs.push(persistRoot);
    const first = await start(persistRoot);
    const photos = ["LadyBird.jpg", "RainDrops.jpg", "Storm.jpg"];
    const ids: string[] = [];
    for (const name of photos) ids.push((await uploadOk(first.url, await readFile(path.join(CORPUS, "photos", name)), name)).id);
    // Stop at once: queued messages and jobs in flight die with the process.
    await first.dispose();

    const second = await start(persistRoot);
    try {
      const db = await second.mf.getD1Database("DB", "img-upload");
      const unfinished = await db.prepare("SELECT id FROM images WHERE status != 'ready'").all();
      // Otherwise the test would prove nothing about recovery.
      expect(unfinished.results.length).toBeGreaterThan(0);
      const resize = await second.mf.getWorker("img-resize");
      await resize.scheduled({ cron: "* * * * *" });
      for (const id of ids) {
        const record = await waitSettled(second.url, id, 60_000);
        expect(record.status, id).toBe("ready");
        expect(record.variants.length, id).toBe(6);
      }
    } finally {
      await second.dispose();
    }
  });
});
