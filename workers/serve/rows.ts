/** What the serve path needs from an image's D1 row. */
export interface ImageRow {
  status: "pending" | "processing" | "ready" | "failed";
  variants: string;
  error: string | null;
}

/**
 * Ready rows, kept for the isolate's life so the other widths and formats of an image that just
 * missed the cache do not each read D1 again. A ready row never changes (variants are immutable)
 * until the image is deleted, and a delete removes the R2 objects before the row: the caller
 * forgets a remembered row whose object is gone and reads the row again.
 */
const ready = new Map<string, ImageRow>();
const READY_MAX = 5_000;

export function readyRow(id: string): ImageRow | undefined {
  return ready.get(id);
}

export function rememberRow(id: string, row: ImageRow): void {
  if (row.status !== "ready") return;
  if (ready.size >= READY_MAX) ready.clear();
  ready.set(id, row);
}

export function forgetRow(id: string): void {
  ready.delete(id);
}
