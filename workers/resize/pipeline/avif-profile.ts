import { readBoxes } from "../../../core/sniff/bmff";
import { prop, readHeifMeta } from "../../../core/sniff/heif";
import type { ProfileKind } from "./colour";

/**
 * The ICC profile of an AVIF's primary item: its `colr` property of type 'prof' or 'rICC' (an
 * 'nclx' one, colour primaries and transfer as code points, is not converted: the pixels stay as
 * decoded, as before). Grey profiles go with monochrome AV1 (av1C's mono_chrome bit), whose
 * decoded grey fills R, G and B. The upload validator has checked the structure; anything odd here
 * means no profile, never a failed job.
 */
export function avifIccProfile(bytes: Uint8Array): { icc: Uint8Array; kind: ProfileKind } | null {
  try {
    const meta = readBoxes(bytes, 0, bytes.length).find((b) => b.type === "meta");
    if (!meta) return null;
    const heif = readHeifMeta(bytes, meta);
    const primary = heif.items.get(heif.primaryId);
    const colr = primary?.props.find((p) => p.type === "colr" && ["prof", "rICC"].includes(String.fromCharCode(...bytes.subarray(p.data, p.data + 4))));
    if (!primary || !colr) return null;
    const av1C = prop(primary, "av1C");
    const mono = av1C !== undefined && av1C.end - av1C.data > 2 && (bytes[av1C.data + 2]! & 0x10) !== 0;
    return { icc: bytes.subarray(colr.data + 4, colr.end), kind: mono ? "grey" : "rgb" };
  } catch {
    return null;
  }
}
