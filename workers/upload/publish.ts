import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { images, type ImageRow } from "../../db/schema";
import { AppError } from "../../core/errors";
import type { LinkCodec } from "../../core/link-codec";
import type { ResizeJob } from "../../core/schemas";
import { displaySize, type ImageInfo } from "../../core/sniff";
import { newDeleteToken, sha256Hex } from "../../core/tokens";
import { originalKey } from "../../core/variants";
import type { LinkAllocatorClient } from "../../durable-objects/client";

export interface PublishDeps {
  bucket: R2Bucket;
  db: D1Database;
  queue: Queue<ResizeJob>;
  links: LinkAllocatorClient;
  codec: LinkCodec;
}

/**
 * Stores a validated upload: allocate a link, put the original, record the row, enqueue the job.
 * Each step that fails undoes the ones before it (no orphan object, row or id) and surfaces as a
 * retryable `503 unavailable`; the client may simply send the same upload again.
 */
export async function publish(deps: PublishDeps, bytes: Uint8Array, info: ImageInfo): Promise<{ row: ImageRow; deleteToken: string }> {
  const [sha256, deleteToken] = [await sha256Hex(bytes), newDeleteToken()];
  const seq = await deps.links.allocate();
  const id = deps.codec.encode(seq);
  const key = originalKey(id);
  const { width, height } = displaySize(info);
  const now = Date.now();
  const row: ImageRow = {
    id,
    seq,
    status: "pending",
    originalKey: key,
    contentType: info.mime,
    format: info.format,
    bytes: bytes.byteLength,
    width,
    height,
    frames: info.frames,
    sha256,
    variants: "[]",
    deleteTokenHash: await sha256Hex(deleteToken),
    attempts: 0,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
  const undo: Array<() => Promise<unknown>> = [() => deps.links.release(seq)];
  try {
    await deps.bucket.put(key, bytes, {
      httpMetadata: { contentType: info.mime },
      sha256,
      // The resize Worker reads only this much: a motion photo's video never enters its memory.
      customMetadata: { id, imageBytes: String(info.imageBytes) },
    });
    undo.unshift(() => deps.bucket.delete(key));
    await drizzle(deps.db).insert(images).values(row);
    undo.unshift(() => drizzle(deps.db).delete(images).where(eq(images.id, id)));
    await deps.queue.send({ v: 1, id, key, type: info.mime as ResizeJob["type"], width: info.width, height: info.height }, { contentType: "json" });
  } catch (err) {
    await rollback(undo, id);
    if (err instanceof AppError) throw err;
    throw new AppError("unavailable", "storage is unavailable, retry shortly", { cause: err, headers: { "Retry-After": "1" } });
  }
  // The row is the record of publication; a failed commit is retried by the reconciler, which never
  // releases an id that has a row.
  await deps.links.commit(seq).catch((err) => console.error(JSON.stringify({ msg: "link commit failed", id, error: String(err) })));
  return { row, deleteToken };
}

async function rollback(undo: Array<() => Promise<unknown>>, id: string): Promise<void> {
  for (const step of undo) {
    try {
      await step();
    } catch (err) {
      console.error(JSON.stringify({ msg: "rollback step failed", id, error: String(err) }));
    }
  }
}
