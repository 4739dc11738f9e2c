import { z } from "zod";
import { AppError } from "../core/errors";
import { MAX_SHARDS, SEQ_LIMIT, shardName, shardOf } from "../core/link-layout";
import type { LinkAllocator } from "./link-allocator";

type Namespace = DurableObjectNamespace<LinkAllocator>;

/** `LINK_SHARDS`: how many allocator shards hand out ids. Only ever raise it (see docs/links.md). */
export const LinkShards = z.coerce.number().int().min(1).max(MAX_SHARDS).default(1);

export function shardCount(env: { LINK_SHARDS?: string }): number {
  return LinkShards.parse(env.LINK_SHARDS);
}

function unavailable(cause: unknown): AppError {
  return new AppError("unavailable", "link allocator unavailable, retry shortly", { cause, headers: { "Retry-After": "1" } });
}

function stubFor(ns: Namespace, shard: number) {
  return ns.get(ns.idFromName(shardName(shard)));
}

/**
 * Calls on ids already handed out, routed by the shard written in the id itself — no shard count, no
 * lookup. This is what the serve path needs to refuse never-issued links without D1 or R2.
 */
export function allocatorFor(ns: Namespace) {
  const call = async <T>(seq: number, fn: (stub: ReturnType<typeof stubFor>) => Promise<T>): Promise<T> => {
    const shard = shardOf(seq);
    try {
      return await fn(stubFor(ns, shard));
    } catch (err) {
      throw unavailable(err);
    }
  };
  return {
    // Link-space values no shard can hand out are answered here: decoded links reach the whole space.
    isAllocated: async (seq: number) => (Number.isSafeInteger(seq) && seq >= 0 && seq < SEQ_LIMIT ? call(seq, (s) => s.isAllocated(seq)) : false),
    commit: (seq: number) => call(seq, (s) => s.commit(seq)),
    release: (seq: number) => call(seq, (s) => s.release(seq)),
  };
}

/**
 * The allocator client of the upload path: each allocation starts at a random shard, so load spreads
 * evenly, and moves on to the next shard when one fails (overloaded, restarting, out of blocks). Only
 * when every shard failed is it a retryable `503 unavailable`.
 */
export function linkAllocator(ns: Namespace, shards = 1) {
  const allocateMany = async (count: number): Promise<number[]> => {
    const start = Math.floor(Math.random() * shards);
    const errors: unknown[] = [];
    for (let i = 0; i < shards; i++) {
      const shard = (start + i) % shards;
      try {
        return await stubFor(ns, shard).allocate({ shard, count });
      } catch (err) {
        errors.push(err);
      }
    }
    throw unavailable(new AggregateError(errors, `all ${shards} allocator shards failed`));
  };
  return {
    ...allocatorFor(ns),
    allocate: async () => (await allocateMany(1))[0]!,
    /** Several ids from one shard in one call (bulk imports). */
    allocateMany,
  };
}
export type LinkAllocatorClient = ReturnType<typeof linkAllocator>;
