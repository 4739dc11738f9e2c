import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LogLevel } from "miniflare";
import { inject } from "vitest";
import { startSystem } from "../../scripts/lib/system.mjs";
import { ImageRecord, UploadResult } from "../../core/schemas";
import { CORPUS_DIR, type ManifestEntry } from "../corpus";

export const CORPUS = CORPUS_DIR;

export type { ManifestEntry };

export async function manifest(): Promise<ManifestEntry[]> {
  return JSON.parse(await readFile(path.join(CORPUS, "manifest.json"), "utf8"));
}

/**
 * The whole system on a random loopback port with its own, throw-away state; `workerOverrides` swaps
 * bindings of one Worker (e.g. an empty D1 for serve).
 */
export async function startTestSystem(workerOverrides: Record<string, Record<string, unknown>> = {}) {
  const persistRoot = await mkdtemp(path.join(os.tmpdir(), "img-host-state-"));
  const system = await startSystem({ persistRoot, port: 0, logLevel: LogLevel.WARN, build: inject("build"), workerOverrides });
  return {
    ...system,
    async stop() {
      await system.dispose();
      await rm(persistRoot, { recursive: true, force: true });
    },
  };
}

export type TestSystem = Awaited<ReturnType<typeof startTestSystem>>;

export async function uploadFile(base: string, data: Uint8Array, name: string): Promise<Response> {
  const fd = new FormData();
  fd.append("file", new Blob([data]), name);
  return fetch(`${base}/api/images`, { method: "POST", body: fd });
}

export async function uploadOk(base: string, data: Uint8Array, name = "image") {
  const res = await uploadFile(base, data, name);
  if (res.status !== 202) throw new Error(`upload of ${name}: ${res.status} ${await res.text()}`);
  return UploadResult.parse(await res.json());
}

/** Polls the status API until the image leaves pending/processing. */
export async function waitSettled(base: string, id: string, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const record = ImageRecord.parse(await (await fetch(`${base}/api/images/${id}`)).json());
    if (record.status === "ready" || record.status === "failed") return record;
    if (Date.now() > end) throw new Error(`image ${id} still ${record.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
