import { DurableObject } from "cloudflare:workers";
import { z } from "zod";

/** An allocator integer as it crosses the RPC boundary. */
const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

function seqArg(value: unknown): number {
  const parsed = Seq.safeParse(value);
  if (!parsed.success) throw new RangeError(`not an allocator id: ${String(value)}`);
  return parsed.data;
}

/**
 * The foundation's allocator, kept only as the benchmark's baseline (bench/links.mjs): one SQLite row
 * per id. Hands out unique integers for link ids. State lives in the object's SQLite storage, so an evicted
 * or restarted object resumes where it stopped and never hands out an id twice.
 *
 * Lifecycle of an id: `allocate()` → `commit()` once the image is recorded (a published id is never
 * reused), or `release()` when the upload that took it failed (a never-published id may be reused).
 * Durable Object input gates serialise these calls, and each one is a single synchronous SQL
 * transaction, so concurrent callers cannot observe or hand out the same id.
 */
export class SimpleLinkAllocator extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS counter (k INTEGER PRIMARY KEY CHECK (k = 0), next INTEGER NOT NULL)`);
      this.sql.exec(`INSERT OR IGNORE INTO counter (k, next) VALUES (0, 0)`);
      this.sql.exec(
        `CREATE TABLE IF NOT EXISTS ids (seq INTEGER PRIMARY KEY, state TEXT NOT NULL CHECK (state IN ('allocated','committed','free')), at INTEGER NOT NULL)`,
      );
      this.sql.exec(`CREATE INDEX IF NOT EXISTS ids_state ON ids (state, at)`);
    });
  }

  /** One fresh id: a released one first, else the next never-used integer. */
  allocate(): number {
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const reused = this.sql.exec<{ seq: number }>(`SELECT seq FROM ids WHERE state = 'free' LIMIT 1`).toArray()[0];
      if (reused) {
        this.sql.exec(`UPDATE ids SET state = 'allocated', at = ? WHERE seq = ?`, now, reused.seq);
        return reused.seq;
      }
      const seq = this.sql.exec<{ next: number }>(`SELECT next FROM counter WHERE k = 0`).one().next;
      this.sql.exec(`UPDATE counter SET next = ? WHERE k = 0`, seq + 1);
      this.sql.exec(`INSERT INTO ids (seq, state, at) VALUES (?, 'allocated', ?)`, seq, now);
      return seq;
    });
  }

  /** Marks an id published: it will never be handed out again. */
  commit(seq: number): void {
    const n = seqArg(seq);
    this.sql.exec(`UPDATE ids SET state = 'committed', at = ? WHERE seq = ? AND state = 'allocated'`, Date.now(), n);
  }

  /** Returns an id whose upload failed before it was published. Committed ids are left alone. */
  release(seq: number): void {
    const n = seqArg(seq);
    this.sql.exec(`UPDATE ids SET state = 'free', at = ? WHERE seq = ? AND state = 'allocated'`, Date.now(), n);
  }

  /** True for ids handed out (allocated or committed) and not released. */
  isAllocated(seq: number): boolean {
    const n = seqArg(seq);
    return this.sql.exec(`SELECT 1 FROM ids WHERE seq = ? AND state != 'free'`, n).toArray().length > 0;
  }

  /** Ids allocated but neither committed nor released, oldest first (for the reconciler and tests). */
  pending(olderThanMs = 0, limit = 100): number[] {
    const cutoff = Date.now() - olderThanMs;
    return this.sql
      .exec<{ seq: number }>(`SELECT seq FROM ids WHERE state = 'allocated' AND at <= ? ORDER BY at LIMIT ?`, cutoff, limit)
      .toArray()
      .map((r) => r.seq);
  }
}
