import type { LinkCodec } from "../../core/link-codec";

/** The one allocator call the serve path makes. */
export interface AllocatorCheck {
  isAllocated(seq: number): Promise<boolean>;
}

/**
 * Integers the allocator said were issued, kept for the isolate's life: a published id is never
 * reused, so a yes never goes stale (an id released after a failed upload only costs a D1 read).
 * A no is not kept here: the id may be handed out a second later; the edge cache keeps that 404 briefly.
 */
const knownIssued = new Set<number>();
const KNOWN_ISSUED_MAX = 10_000;

/** How long the allocator may take before the answer is treated as unknown (the row is then read). */
export const ALLOCATOR_TIMEOUT_MS = 250;

/**
 * Whether a link id was ever handed out: `false` only when the allocator says so, so such an id can
 * be refused without touching D1 or R2. `undefined` (read the row) when there is no check, or the
 * check throws or is slow: the allocator guards the database, it must never take serving down with it.
 */
export async function wasIssued(id: string, codec: LinkCodec | undefined, check: AllocatorCheck | undefined): Promise<boolean | undefined> {
  if (!codec || !check) return undefined;
  const seq = codec.decode(id);
  if (knownIssued.has(seq)) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ALLOCATOR_TIMEOUT_MS, undefined);
  });
  try {
    const answer: unknown = await Promise.race([check.isAllocated(seq), late]);
    if (answer === true) {
      if (knownIssued.size >= KNOWN_ISSUED_MAX) knownIssued.clear();
      knownIssued.add(seq);
    }
    return typeof answer === "boolean" ? answer : undefined;
  } catch (err) {
    console.warn(JSON.stringify({ msg: "allocator check failed, reading the row instead", id, error: String(err) }));
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
