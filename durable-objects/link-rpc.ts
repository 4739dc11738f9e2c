import { z } from "zod";
import { MAX_SHARDS } from "../core/link-layout";

/** The LinkAllocator's RPC arguments and answers, checked on arrival: callers are other Workers. */

/** An allocator integer as it crosses the RPC boundary. */
export const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const ShardIndex = z.number().int().min(0).max(MAX_SHARDS - 1);
/** Batches stay small: one call is one synchronous transaction and holds the object's input gate. */
export const MAX_BATCH = 1024;
export const AllocateRequest = z.object({ shard: ShardIndex, count: z.number().int().min(1).max(MAX_BATCH).default(1) });
export type AllocateRequest = z.input<typeof AllocateRequest>;
export const SeqBatch = z.union([Seq.transform((s) => [s]), z.array(Seq).max(MAX_BATCH)]);
export const RestoreRequest = z.object({ shard: ShardIndex, seqs: z.array(Seq).max(MAX_BATCH) });
export type RestoreRequest = z.input<typeof RestoreRequest>;
export const PendingQuery = z.object({ olderThanMs: z.number().int().nonnegative(), limit: z.number().int().min(1).max(MAX_BATCH) });

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RangeError(`bad allocator argument: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface ShardStats {
  shard: number | null;
  leasedBlocks: number;
  openBlocks: number;
  /** Stored size of the containers held in memory. */
  memoryBytes: number;
  pending: number;
  reserved: number;
  /** The object's SQLite database, pages included. */
  storedBytes: number;
}
