import { composeSeq } from "../core/link-layout";
import { BitmapContainer, type ContainerKind } from "../core/link-roaring-container";
import { decodeContainer, optimize } from "../core/link-roaring-codec";
import type { BlockState } from "../core/link-roaring";

/**
 * The allocator's SQLite tables. A shard's whole state is: which shard it is, one row per leased block
 * holding that block's Roaring container (a few bytes for a full block), and one row per id handed out
 * but not yet committed or released (a handful: uploads in flight).
 */
export class LinkStore {
  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS shard (k INTEGER PRIMARY KEY CHECK (k = 0), shard INTEGER NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS blocks (block INTEGER PRIMARY KEY, kind TEXT NOT NULL, used INTEGER NOT NULL, data BLOB NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS pending (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL)`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS pending_at ON pending (at)`);
    this.importSingleAllocator();
  }

  shard(): number | undefined {
    return this.sql.exec<{ shard: number }>(`SELECT shard FROM shard WHERE k = 0`).toArray()[0]?.shard;
  }

  pinShard(shard: number): void {
    this.sql.exec(`INSERT INTO shard (k, shard) VALUES (0, ?)`, shard);
  }

  /** The count of leased blocks and every block that still has free ids (full ones stay on disk). */
  load(): { leased: number; open: BlockState[] } {
    const leased = this.sql.exec<{ n: number | null }>(`SELECT MAX(block) + 1 AS n FROM blocks`).one().n ?? 0;
    const open = this.sql
      .exec<{ block: number; kind: string; data: ArrayBuffer }>(`SELECT block, kind, data FROM blocks WHERE used < 65536`)
      .toArray()
      .map((r) => ({ block: r.block, container: decodeContainer(r.kind as ContainerKind, new Uint8Array(r.data)) }));
    return { leased, open };
  }

  saveBlocks(states: BlockState[]): void {
    for (const { block, container } of states) {
      const data = container.encode();
      this.sql.exec(
        `INSERT INTO blocks (block, kind, used, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (block) DO UPDATE SET kind = excluded.kind, used = excluded.used, data = excluded.data`,
        block,
        container.kind,
        container.cardinality,
        data.buffer as ArrayBuffer,
      );
    }
  }

  addPending(seq: number, at: number): void {
    this.sql.exec(`INSERT INTO pending (seq, at) VALUES (?, ?)`, seq, at);
  }

  /** Removes the id from the in-flight list; true when it was there. */
  takePending(seq: number): boolean {
    return this.sql.exec(`DELETE FROM pending WHERE seq = ? RETURNING seq`, seq).toArray().length > 0;
  }

  pending(cutoff: number, limit: number): number[] {
    return this.sql
      .exec<{ seq: number }>(`SELECT seq FROM pending WHERE at <= ? ORDER BY at, seq LIMIT ?`, cutoff, limit)
      .toArray()
      .map((r) => r.seq);
  }

  pendingCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM pending`).one().n;
  }

  /**
   * The first allocator kept one row per id in `counter`/`ids`, numbering from 0 on "shard-0". Those
   * integers are block 0 of shard 0 in this layout, so they are carried over as such (allocated ones
   * stay pending, committed and allocated ones stay used) and the old tables dropped, in the same
   * transaction as the rest of the migration.
   */
  private importSingleAllocator(): void {
    const legacy = this.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('counter', 'ids')`).toArray();
    if (legacy.length < 2) return;
    const next = this.sql.exec<{ next: number }>(`SELECT next FROM counter WHERE k = 0`).toArray()[0]?.next ?? 0;
    if (next > 65_536) throw new Error(`the single allocator handed out ${next} ids; more than one block cannot be carried over`);
    const rows = this.sql.exec<{ seq: number; state: string; at: number }>(`SELECT seq, state, at FROM ids WHERE state != 'free'`).toArray();
    const values = rows.map((r) => composeSeq({ shard: 0, block: 0, offset: r.seq })).sort((a, b) => a - b);
    if (this.shard() === undefined) this.pinShard(0);
    if (values.length > 0) {
      const words = new Uint32Array(2048);
      for (const v of values) words[v >>> 5]! |= 1 << (v & 31);
      this.saveBlocks([{ block: 0, container: optimize(new BitmapContainer(words)) }]);
    }
    for (const r of rows) if (r.state === "allocated") this.addPending(r.seq, r.at);
    this.sql.exec(`DROP TABLE ids`);
    this.sql.exec(`DROP TABLE counter`);
  }
}
