/**
 * The image formats the serve Worker can answer with. A superset of what the resize engine makes
 * today (`core/variants.ts`): AVIF variants are served as soon as a row lists them, without a change
 * here, so the engine can start producing them on its own schedule.
 */
export const SERVED_FORMATS = ["avif", "webp", "jpeg", "png"] as const;
export type ServedFormat = (typeof SERVED_FORMATS)[number];

/** Formats some clients cannot decode: served only to clients that name them in `Accept`. */
export const MODERN_FORMATS = ["avif", "webp"] as const satisfies readonly ServedFormat[];
export type ModernFormat = (typeof MODERN_FORMATS)[number];

/** Formats every client decodes: each image has exactly one of them (PNG when it has alpha). */
export const BASE_FORMATS = ["jpeg", "png"] as const satisfies readonly ServedFormat[];

export const FORMAT_EXTENSION = { avif: "avif", webp: "webp", jpeg: "jpg", png: "png" } as const satisfies Record<ServedFormat, string>;
export const FORMAT_TYPE = {
  avif: "image/avif",
  webp: "image/webp",
  jpeg: "image/jpeg",
  png: "image/png",
} as const satisfies Record<ServedFormat, string>;

/** URL extensions that force a format (`jpeg` is accepted as a synonym of the canonical `jpg`). */
const EXTENSION_FORMAT: Record<string, ServedFormat> = { avif: "avif", webp: "webp", jpg: "jpeg", jpeg: "jpeg", png: "png" };

export function formatForExtension(ext: string): ServedFormat | undefined {
  return Object.hasOwn(EXTENSION_FORMAT, ext) ? EXTENSION_FORMAT[ext] : undefined;
}

export function isServedFormat(s: string): s is ServedFormat {
  return (SERVED_FORMATS as readonly string[]).includes(s);
}
