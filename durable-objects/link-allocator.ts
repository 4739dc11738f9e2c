import { DurableObject } from "cloudflare:workers";
import { composeSeq, SEQ_LIMIT, splitSeq } from "../core/link-layout";
import { ShardBitmap } from "../core/link-roaring";
import { AllocateRequest, parse, PendingQuery, RestoreRequest, Seq, SeqBatch, type ShardStats } from "./link-rpc";
import { LinkStore } from "./link-store";


/** Ids reserved per write when single ids are asked for: one SQLite commit serves this many calls. */
export const RESERVE = 64;
/**
 * A reservation older than this is returned unissued. An id's recorded time (the reconciler's clock) is
 * its reservation's, so this bounds how much earlier than its real hand-out that time can be: far less
 * than the reconciler's grace period.
 */
export const RESERVATION_TTL_MS = 60_000;

/**
 * One shard of the link allocator. It owns every 256th block of the id space (see core/link-layout.ts),
 * leases them in order and tracks used ids in a Roaring bitmap, one container per block.
 *
 * Lifecycle of an id: `allocate()` marks it used and in flight → `commit()` once the image is recorded
 * (a published id is never reused), or `release()` when its upload failed (the id was never published,
 * so it is handed out again, lowest first). Every method is synchronous: Durable Object input gates run
 * one call at a time, and each call's SQLite writes commit together before its answer leaves (output
 * gate), so no two callers — nor an object restarted from storage — ever see the same free id.
 *
 * Throughput: a commit to storage costs far more than the call itself, so ids are reserved ahead in
 * small batches — written as used and in flight *before* any of them is handed out — and single-id calls
 * are then answered from memory. If the object restarts, reserved ids it never handed out stay recorded
 * as in flight and the reconciler returns them after its grace period: never handed out twice.
 */
export class LinkAllocator extends DurableObject<Env> {
  private readonly store: LinkStore;
  private bitmap = new ShardBitmap(0);
  private shard: number | undefined;
  /**
   * Reserved and not yet handed out, in hand-out order, and when the oldest of them was reserved. Memory
   * only: after a restart they are plain in-flight ids, left to the reconciler.
   */
  private reserved: number[] = [];
  private reservedSet = new Set<number>();
  private reservedAt = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LinkStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => this.store.migrate());
      this.load();
    });
  }

  /** `count` fresh ids of this shard (default one). The first call pins the shard number. */
  allocate(request: AllocateRequest): number[] {
    const { shard, count } = parse(AllocateRequest, request);
    this.checkShard(shard);
    const stale = Date.now() - this.reservedAt > RESERVATION_TTL_MS;
    if (this.shard === undefined || stale || this.reserved.length < count) this.reserve(shard, count, stale);
    const out = this.reserved.splice(0, count);
    for (const seq of out) this.reservedSet.delete(seq);
    return out;
  }

  /** One transaction: return a stale reservation, then reserve enough for `count` (at least RESERVE). */
  private reserve(shard: number, count: number, stale: boolean): void {
    // Forgotten before the transaction: should it fail, they simply stay recorded as in flight.
    const dropped = stale ? this.reserved : [];
    if (stale) {
      this.reserved = [];
      this.reservedSet.clear();
    }
    const now = Date.now();
    const fresh = this.mutate(() => {
      this.pin(shard);
      for (const seq of dropped) {
        const { block, offset } = splitSeq(seq);
        this.store.takePending(seq);
        this.bitmap.clear(block, offset);
      }
      const ids: number[] = [];
      for (let i = Math.max(RESERVE, count - this.reserved.length); i > 0; i--) {
        const seq = composeSeq({ shard, ...this.bitmap.take() });
        this.store.addPending(seq, now);
        ids.push(seq);
      }
      this.store.saveBlocks(this.bitmap.drain());
      return ids;
    });
    // Memory follows only once the reservation is stored.
    if (this.reserved.length === 0) this.reservedAt = now;
    for (const seq of fresh) {
      this.reserved.push(seq);
      this.reservedSet.add(seq);
    }
  }

  /** Marks ids published: they will never be handed out again. */
  commit(seqs: number | number[]): void {
    const list = parse(SeqBatch, seqs);
    this.mutate(() => {
      for (const seq of list) {
        const { block, offset } = this.own(seq);
        this.store.takePending(seq);
        this.bitmap.set(block, offset);
      }
      this.store.saveBlocks(this.bitmap.drain());
    });
  }

  /** Returns ids whose upload failed before publication. Committed and free ids are left alone. */
  release(seqs: number | number[]): void {
    const list = parse(SeqBatch, seqs);
    this.mutate(() => {
      for (const seq of list) {
        const { block, offset } = this.own(seq);
        if (this.store.takePending(seq)) this.bitmap.clear(block, offset);
      }
      this.store.saveBlocks(this.bitmap.drain());
    });
  }

  /**
   * Marks published ids used whatever this shard remembers: how a shard whose storage was lost is rebuilt
   * from the ids in D1 (durable-objects/restore.ts). Pins the shard number like `allocate()`.
   */
  restore(request: RestoreRequest): void {
    const { shard, seqs } = parse(RestoreRequest, request);
    this.checkShard(shard);
    const parts = seqs.map(splitSeq);
    if (parts.some((p) => p.shard !== shard)) throw new RangeError(`ids of another shard than ${shard}`);
    this.mutate(() => {
      this.pin(shard);
      seqs.forEach((seq, i) => {
        this.store.takePending(seq);
        this.bitmap.restore(parts[i]!.block, parts[i]!.offset);
      });
      this.store.saveBlocks(this.bitmap.drain());
    });
    // A reserved id found published was handed out by the shard's lost self: never hand it out again.
    if (seqs.some((seq) => this.reservedSet.has(seq))) {
      this.reserved = this.reserved.filter((seq) => !seqs.includes(seq));
      this.reservedSet = new Set(this.reserved);
    }
  }

  /** True for ids handed out (in flight or committed) and not released. Answered from memory. */
  isAllocated(seq: number): boolean {
    const n = parse(Seq, seq);
    if (n >= SEQ_LIMIT || this.reservedSet.has(n)) return false;
    const { shard, block, offset } = splitSeq(n);
    return shard === this.shard && this.bitmap.has(block, offset);
  }

  /** Ids in flight (allocated, neither committed nor released) for at least `olderThanMs`, oldest first. */
  pending(olderThanMs = 0, limit = 100): number[] {
    const q = parse(PendingQuery, { olderThanMs, limit });
    // Reserved ids were never handed out: they are not in flight, and must not be settled.
    const rows = this.store.pending(Date.now() - q.olderThanMs, q.limit + this.reserved.length);
    return rows.filter((seq) => !this.reservedSet.has(seq)).slice(0, q.limit);
  }

  stats(): ShardStats {
    const { openBlocks, bytes } = this.bitmap.footprint();
    return {
      shard: this.shard ?? null,
      leasedBlocks: this.bitmap.leasedBlocks,
      openBlocks,
      memoryBytes: bytes,
      pending: this.store.pendingCount() - this.reserved.length,
      reserved: this.reserved.length,
      storedBytes: this.ctx.storage.sql.databaseSize,
    };
  }

  /** A caller naming another shard than this object is has its routing wrong. */
  private checkShard(shard: number): void {
    if (this.shard !== undefined && this.shard !== shard) throw new RangeError(`this object is shard ${this.shard}, not ${shard}`);
  }

  /** Inside a transaction: the first call that names a shard makes this object that shard, for good. */
  private pin(shard: number): void {
    if (this.shard !== undefined) return;
    this.store.pinShard(shard);
    this.shard = shard;
  }

  /** The block and offset of an id this shard leased; anything else is a caller's routing bug. */
  private own(seq: number): { block: number; offset: number } {
    const { shard, block, offset } = splitSeq(seq);
    if (shard !== this.shard || block >= this.bitmap.leasedBlocks) throw new RangeError(`id ${seq} was not leased by this shard`);
    if (this.reservedSet.has(seq)) throw new RangeError(`id ${seq} was not handed out yet`);
    return { block, offset };
  }

  /** Runs `fn` as one SQLite transaction; if it throws, memory is reloaded from the rolled-back tables. */
  private mutate<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (err) {
      this.load();
      throw err;
    }
  }

  private load(): void {
    const { leased, open } = this.store.load();
    this.bitmap = new ShardBitmap(leased, open);
    this.shard = this.store.shard();
  }
}
