import { z } from "zod";

export const ImageStatus = z.enum(["pending", "processing", "ready", "failed"]);
export type ImageStatus = z.infer<typeof ImageStatus>;

export const LinkId = z.string().regex(/^[0-9A-Za-z]{7}$/, "not an image id");
export type LinkId = z.infer<typeof LinkId>;

/** One stored variant, as kept in the D1 row's `variants` JSON column. */
export const StoredVariant = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.enum(["avif", "webp", "jpeg", "png"]),
  bytes: z.number().int().nonnegative(),
});
export type StoredVariant = z.infer<typeof StoredVariant>;
export const StoredVariants = z.array(StoredVariant);

/** The resize job, sent by the upload Worker and validated by the consumer. */
export const ResizeJob = z.object({
  v: z.literal(1),
  id: LinkId,
  key: z.string().regex(/^originals\/[0-9A-Za-z]{7}$/),
  type: z.enum(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type ResizeJob = z.infer<typeof ResizeJob>;

export const PublicVariant = StoredVariant.extend({ url: z.string() });
export type PublicVariant = z.infer<typeof PublicVariant>;

/** The image record every API answer carries. `width`/`height` are display size (EXIF applied). */
export const ImageRecord = z.object({
  id: LinkId,
  status: ImageStatus,
  url: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.enum(["jpeg", "png", "gif", "webp", "avif"]),
  bytes: z.number().int().positive(),
  frames: z.number().int().positive(),
  variants: z.array(PublicVariant),
  created_at: z.string(),
  error: z.string().optional(),
});
export type ImageRecord = z.infer<typeof ImageRecord>;

export const UploadResult = ImageRecord.extend({ delete_token: z.string() });
export type UploadResult = z.infer<typeof UploadResult>;

export const ErrorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), request_id: z.string() }),
});
