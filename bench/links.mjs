// `npm run bench:links`: the link allocator in workerd (programmatic Miniflare, in-memory state), against
// the foundation's one-row-per-id allocator in the same run. Prints a table and writes
// bench/results/links.json. Bounded: about a minute on two cores.
import { writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ROOT, startScratchWorker } from "../scripts/lib/system.mjs";

const FILL = Number(process.env.BENCH_LINKS_FILL ?? 1_000_000);
const { mf, dispose } = await startScratchWorker(path.join(ROOT, "bench/links-worker.ts"), {
  durableObjects: {
    LINKS: { className: "LinkAllocator", useSQLite: true },
    SIMPLE: { className: "SimpleAllocatorBench", useSQLite: true },
  },
});

async function run(params) {
  const res = await mf.dispatchFetch(`http://bench/?${new URLSearchParams(params)}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`bench worker answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, runs: {} };
const table = [];
const record = (key, label, r, idsPerCall = 1) => {
  // workerd's clock moves in whole milliseconds: a sub-millisecond call reads 0 or 1, so the mean of a
  // one-at-a-time run (wall time / calls) is the finer figure.
  const out = { ...r, idsPerCall, idsPerSecond: r.perSecond * idsPerCall, meanMs: (r.ms / r.n) * r.concurrency };
  results.runs[key] = out;
  table.push({ run: label, "ids/s": out.idsPerSecond, "calls/s": r.perSecond, "mean ms": out.meanMs.toFixed(3), "p50 ms": r.p50Ms, "p99 ms": r.p99Ms, calls: r.n });
};
try {
  record("rpcFloor.sequential", "RPC floor (isAllocated), one at a time", await run({ impl: "rpc-floor", n: 3000, concurrency: 1 }));
  for (const impl of ["simple", "sharded"]) {
    record(`${impl}.oneShard.sequential`, `${impl}: one shard, one call at a time`, await run({ impl, n: 3000, concurrency: 1 }));
    record(`${impl}.oneShard.concurrent`, `${impl}: one shard, 32 in flight`, await run({ impl, n: 10000, concurrency: 32 }));
  }
  record("sharded.oneShard.batch16", "sharded: one shard, 16 ids a call, 32 in flight", await run({ impl: "batch", shards: 16, n: 5000, concurrency: 32 }), 16);
  for (const shards of [1, 4, 8]) {
    record(`client.${shards}shards`, `client over ${shards} shard(s), 64 in flight`, await run({ impl: "client", shards, n: 12000, concurrency: 64 }));
  }
  const sharded = await run({ op: "fill", impl: "sharded", n: FILL });
  const simple = await run({ op: "fill", impl: "simple", n: FILL });
  const worst = await run({ op: "fragment" });
  results.state = {
    afterAllocations: FILL,
    sharded: { ...sharded, allocsPerSecondBatched: Math.round((FILL / sharded.ms) * 1000) },
    simple,
    worstCaseBlock: { ...worst, note: "one 64K block handed out, then every other id released: an 8 KiB bitmap container" },
    note: "storedBytes is the object's whole SQLite file (4 KiB pages, one at least per table and index); memoryBytes the containers kept in memory",
  };
  results.targets = {
    allocsPerSecondPerShard: {
      target: 5000,
      singleIdCalls: results.runs["sharded.oneShard.concurrent"].idsPerSecond,
      batchedCalls: results.runs["sharded.oneShard.batch16"].idsPerSecond,
      rpcFloor: results.runs["rpcFloor.sequential"].perSecond,
    },
    bytesPerActiveBlock: { target: 16384, worstCase: worst.memoryBytes / Math.max(1, worst.openBlocks), sequential: sharded.memoryBytes },
  };
  console.table(table);
  console.table({
    "sharded allocator": { ids: FILL, "SQLite bytes": sharded.storedBytes, "blocks leased": sharded.leasedBlocks, "open blocks": sharded.openBlocks, "bytes in memory": sharded.memoryBytes, "fill s": (sharded.ms / 1000).toFixed(1) },
    "simple allocator": { ids: FILL, "SQLite bytes": simple.storedBytes, "fill s": (simple.ms / 1000).toFixed(1) },
    "worst-case block": { "SQLite bytes": worst.storedBytes, "open blocks": worst.openBlocks, "bytes in memory": worst.memoryBytes },
  });
  await mkdir(path.join(ROOT, "bench/results"), { recursive: true });
  await writeFile(path.join(ROOT, "bench/results/links.json"), JSON.stringify(results, null, 2) + "\n");
  console.log("wrote bench/results/links.json");
} finally {
  await dispose();
}
