import { CONTENT_TYPES, EXTENSIONS } from "../../core/variants";
import type { VariantChoice } from "./select";

/** Variants never change once written: their URLs are cacheable forever, everywhere. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** The full `200` for a stored variant, exactly as it is put in the cache. */
export async function variantResponse(object: R2ObjectBody, id: string, choice: VariantChoice): Promise<Response> {
  const body = await object.arrayBuffer();
  const { variant, negotiated } = choice;
  const headers = new Headers({
    "content-type": CONTENT_TYPES[variant.format],
    "content-length": String(body.byteLength),
    "cache-control": IMMUTABLE,
    etag: object.httpEtag,
    "last-modified": object.uploaded.toUTCString(),
    "accept-ranges": "bytes",
    "content-disposition": `inline; filename="${id}-${variant.width}.${EXTENSIONS[variant.format]}"`,
    "cross-origin-resource-policy": "cross-origin",
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
  });
  if (negotiated) headers.set("vary", "Accept");
  return new Response(body, { status: 200, headers });
}
