import { existsSync, readFileSync } from "node:fs";
import { AppError } from "../../core/errors";
import { concatBytes } from "../../core/sniff/bytes";
import { inspectImage, type Limits } from "../../core/sniff";

import { CORPUS_DIR } from "../corpus";

export const CORPUS = CORPUS_DIR;
export const hasCorpus = existsSync(`${CORPUS}manifest.json`);
export const read = (p: string): Uint8Array => new Uint8Array(readFileSync(`${CORPUS}${p}`));

/** Limits for the validator's tests: generous sizes, the default metadata budget. */
export const SNIFF_LIMITS: Limits = {
  maxPixels: 40_000_000,
  maxSide: 16_384,
  maxFrames: 500,
  maxTotalPixels: 100_000_000,
  maxAspect: 50,
  maxMetadataBytes: 1024 * 1024,
};

/** Byte builders for hand-made files. */
export const enc = (s: string): Uint8Array => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
/** Always a fresh array (tests patch what they build). */
export const cat = (...parts: ArrayLike<number>[]): Uint8Array => (parts.length === 1 ? Uint8Array.from(parts[0]!) : concatBytes(parts));
export const u32be = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
export const u16be = (n: number): number[] => [(n >> 8) & 255, n & 255];
export const u16le = (n: number): number[] => [n & 255, (n >> 8) & 255];
export const u24le = (n: number): number[] => [n & 255, (n >> 8) & 255, (n >> 16) & 255];
export const u32le = (n: number): number[] => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];

/** Runs `fn` and returns the AppError code it throws (fails the test for any other outcome). */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return "accepted";
}

export const inspectWith = (limits: Limits) => (b: Uint8Array, l: Limits = limits): string => codeOf(() => inspectImage(b, l));
