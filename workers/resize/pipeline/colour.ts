import type { EngineImage, EngineInstance } from "./codecs/engine-core";

/**
 * Colour management (wasm/engine/color.c, Little CMS): an embedded ICC profile is turned into a
 * transform to sRGB, as sharp does by default (perceptual intent), and applied to the largest
 * variant right after its resize, before the smaller widths are derived from it (1 MP at most,
 * so a few ms; sharp converts before resizing, which the tests show makes no visible difference).
 * CMYK JPEGs are the exception: their rows are converted while decoding (jpeg-decode.c), since
 * the resampler needs RGB. A profile that cannot be used never fails the job: the pixels are then
 * taken as sRGB, as before. No profile is written to the outputs: they are plain sRGB.
 */

/** How the decoded pixels hold the profile's colour space (color.h's CC_RGB, CC_GREY). */
export type ProfileKind = "rgb" | "grey";

/** cc_open's answer (color.h): unusable, sRGB already (nothing to do), or a transform to apply. */
export type ProfileStatus = "ignored" | "srgb" | "active";
const STATUS: ProfileStatus[] = ["ignored", "srgb", "active"];

/**
 * Opens `profile` (raw ICC bytes, or zlib-compressed as in PNG's iCCP) for pixels of `kind`; its
 * transform waits in the engine until convertToSrgb.
 */
export function openProfile(inst: EngineInstance, profile: Uint8Array, kind: ProfileKind, compressed = false): ProfileStatus {
  const ex = inst.exports;
  const ptr = ex.eng_malloc(profile.length);
  try {
    new Uint8Array(inst.memory.buffer, ptr, profile.length).set(profile);
    const k = kind === "grey" ? 1 : 0;
    return STATUS[compressed ? ex.cc_open_zlib(ptr, profile.length, k) : ex.cc_open(ptr, profile.length, k)]!;
  } finally {
    ex.eng_free(ptr);
  }
}

/**
 * Opens a transform for RGB pixels described only by ITU-T H.273 code points (an AVIF's nclx):
 * a profile built from the primaries and the transfer curve (color.c). HDR transfers (PQ, HLG)
 * and unknown primaries are ignored.
 */
export function openCicp(inst: EngineInstance, primaries: number, transfer: number): ProfileStatus {
  return STATUS[inst.exports.cc_open_cicp(primaries, transfer)]!;
}

/** Converts an engine image in place with the open transform, if any; returns whether it did. */
export function convertToSrgb(inst: EngineInstance, image: EngineImage): boolean {
  const ex = inst.exports;
  if (!ex.cc_active()) return false;
  ex.cc_apply(ex.rs_output(image.rs), image.width * image.height);
  ex.cc_close();
  return true;
}
