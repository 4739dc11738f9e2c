import type { LinkCodec } from "../../core/link-codec";

/** The one allocator call the serve path makes. */
export interface AllocatorCheck {
  isAllocated(seq: number): Promise<boolean>;
}

/** How long the allocator may take before the answer is treated as unknown (the row is then read). */
export const ALLOCATOR_TIMEOUT_MS = 250;

/**
 * Whether a link id was ever handed out: `false` only when the allocator says so, so such an id can
 * be refused without touching D1 or R2. `undefined` (read the row) when there is no check, or the
 * check throws or is slow: the allocator guards the database, it must never take serving down with it.
 */
export async function wasIssued(id: string, codec: LinkCodec | undefined, check: AllocatorCheck | undefined): Promise<boolean | undefined> {
  if (!codec || !check) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ALLOCATOR_TIMEOUT_MS, undefined);
  });
  try {
    const answer: unknown = await Promise.race([check.isAllocated(codec.decode(id)), late]);
    return typeof answer === "boolean" ? answer : undefined;
  } catch (err) {
    console.warn(JSON.stringify({ msg: "allocator check failed, reading the row instead", id, error: String(err) }));
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
