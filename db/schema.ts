import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** One row per image: the link map, its processing state and what the serve Worker needs. */
export const images = sqliteTable(
  "images",
  {
    id: text("id").primaryKey(),
    /** The allocator's integer behind the public id (unique: one integer, one link). */
    seq: integer("seq").notNull().unique(),
    status: text("status", { enum: ["pending", "processing", "ready", "failed"] }).notNull(),
    originalKey: text("original_key").notNull(),
    contentType: text("content_type").notNull(),
    format: text("format", { enum: ["jpeg", "png", "gif", "webp", "avif"] }).notNull(),
    bytes: integer("bytes").notNull(),
    /** Display size, after EXIF orientation. */
    width: integer("width").notNull(),
    height: integer("height").notNull(),
    frames: integer("frames").notNull().default(1),
    sha256: text("sha256").notNull(),
    /** JSON array of StoredVariant; empty until ready. */
    variants: text("variants").notNull().default("[]"),
    deleteTokenHash: text("delete_token_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("images_status_updated").on(t.status, t.updatedAt)],
);

export type ImageRow = typeof images.$inferSelect;
export type NewImageRow = typeof images.$inferInsert;
