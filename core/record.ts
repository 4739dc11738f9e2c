import type { ImageRow } from "../db/schema";
import { type ImageRecord, StoredVariants } from "./schemas";
import { EXTENSIONS } from "./variants";

/** Shapes a D1 row as the public image record; URLs are absolute on the request's origin. */
export function toRecord(row: ImageRow, origin: string): ImageRecord {
  const variants = StoredVariants.parse(JSON.parse(row.variants));
  const record: ImageRecord = {
    id: row.id,
    status: row.status,
    url: `${origin}/i/${row.id}`,
    width: row.width,
    height: row.height,
    format: row.format,
    bytes: row.bytes,
    frames: row.frames,
    variants: variants.map((v) => ({ ...v, url: `${origin}/i/${row.id}/${v.width}.${EXTENSIONS[v.format]}` })),
    created_at: new Date(row.createdAt).toISOString(),
  };
  if (row.error) record.error = row.error;
  return record;
}
