import { CONTENT_TYPES, EXTENSIONS } from "../variants";

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

/** Extensions and media types: the ones variants are stored under (`core/variants.ts`). */
export const FORMAT_EXTENSION: Record<ServedFormat, string> = EXTENSIONS;
export const FORMAT_TYPE: Record<ServedFormat, string> = CONTENT_TYPES;

/** URL extensions that force a format (`jpeg` is accepted as a synonym of the canonical `jpg`). */
const EXTENSION_FORMAT: Record<string, ServedFormat> = { avif: "avif", webp: "webp", jpg: "jpeg", jpeg: "jpeg", png: "png" };

export function formatForExtension(ext: string): ServedFormat | undefined {
  return Object.hasOwn(EXTENSION_FORMAT, ext) ? EXTENSION_FORMAT[ext] : undefined;
}
