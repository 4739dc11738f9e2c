import { AppError } from "../core/errors";
import type { LinkAllocator } from "./link-allocator";

/** The allocator client the upload path uses: every failure of the object is a retryable 503. */
export function linkAllocator(ns: DurableObjectNamespace<LinkAllocator>) {
  const stub = () => ns.get(ns.idFromName("shard-0"));
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new AppError("unavailable", "link allocator unavailable, retry shortly", { cause: err, headers: { "Retry-After": "1" } });
    }
  };
  return {
    allocate: () => call("allocate", () => stub().allocate()),
    commit: (seq: number) => call("commit", () => stub().commit(seq)),
    release: (seq: number) => call("release", () => stub().release(seq)),
  };
}
export type LinkAllocatorClient = ReturnType<typeof linkAllocator>;
