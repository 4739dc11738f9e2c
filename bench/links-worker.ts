// The link allocator benchmark's Worker, run inside workerd by bench/links.mjs. It hosts the production
// LinkAllocator and the foundation's single-row-per-id allocator side by side and drives both over real
// Durable Object RPC, timing each call around its await (workerd's clock advances across I/O).
import { linkAllocator } from "../durable-objects/client";
import { LinkAllocator } from "../durable-objects/link-allocator";
import { SimpleLinkAllocator } from "./links-simple-allocator";

export { LinkAllocator };

/** The baseline plus what the benchmark needs to fill it quickly and weigh it. */
export class SimpleAllocatorBench extends SimpleLinkAllocator {
  /** `n` allocations and commits inside the object: the same SQL work as n RPC pairs, minus the RPC. */
  fill(n: number): void {
    for (let i = 0; i < n; i++) this.commit(this.allocate());
  }
  storedBytes(): number {
    return this.ctx.storage.sql.databaseSize;
  }
}

interface BenchEnv {
  LINKS: DurableObjectNamespace<LinkAllocator>;
  SIMPLE: DurableObjectNamespace<SimpleAllocatorBench>;
}

type Allocate = () => Promise<unknown>;

function allocatorUnderTest(env: BenchEnv, impl: string, shards: number, name: string): Allocate {
  if (impl === "simple") {
    const stub = env.SIMPLE.get(env.SIMPLE.idFromName(name));
    return () => stub.allocate();
  }
  if (impl === "client") {
    const client = linkAllocator(env.LINKS, shards);
    return () => client.allocate();
  }
  const stub = env.LINKS.get(env.LINKS.idFromName(name));
  // The floor: an RPC that reads one bit from memory and writes nothing.
  if (impl === "rpc-floor") return () => stub.isAllocated(0);
  const count = shards; // for impl "batch", `shards` is the batch size
  if (impl === "batch") return () => stub.allocate({ shard: 0, count });
  return () => stub.allocate({ shard: 0 });
}

/** `n` allocations, `concurrency` in flight at a time; per-call latency in ms and the wall time. */
async function drive(allocate: Allocate, n: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < n) {
      next++;
      const t0 = performance.now();
      await allocate();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { n, concurrency, ms, perSecond: Math.round((n / ms) * 1000), p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** `total` ids through one shard in batches, all committed, then the shard's state. */
async function fill(env: BenchEnv, impl: string, total: number, name: string) {
  const started = performance.now();
  if (impl === "simple") {
    const stub = env.SIMPLE.get(env.SIMPLE.idFromName(name));
    for (let done = 0; done < total; done += 50_000) await stub.fill(Math.min(50_000, total - done));
    return { total, ms: performance.now() - started, storedBytes: await stub.storedBytes() };
  }
  const stub = env.LINKS.get(env.LINKS.idFromName(name));
  for (let done = 0; done < total; done += 1024) {
    const ids = await stub.allocate({ shard: 0, count: Math.min(1024, total - done) });
    await stub.commit(ids);
  }
  return { total, ms: performance.now() - started, ...(await stub.stats()) };
}

/** The worst case for one block: every other id released after a full block was handed out. */
async function fragment(env: BenchEnv, name: string) {
  const stub = env.LINKS.get(env.LINKS.idFromName(name));
  const batches: number[][] = [];
  for (let done = 0; done < 65_536; done += 1024) batches.push(await stub.allocate({ shard: 0, count: 1024 }));
  for (const ids of batches) {
    await stub.commit(ids.filter((_, i) => i % 2 === 1));
    await stub.release(ids.filter((_, i) => i % 2 === 0));
  }
  return stub.stats();
}

export default {
  async fetch(req: Request, env: BenchEnv): Promise<Response> {
    const q = new URL(req.url).searchParams;
    const impl = q.get("impl") ?? "sharded";
    const name = q.get("name") ?? crypto.randomUUID();
    const num = (k: string, d: number) => Number(q.get(k) ?? d);
    if (q.get("op") === "fill") return Response.json(await fill(env, impl, num("n", 1_000_000), name));
    if (q.get("op") === "fragment") return Response.json(await fragment(env, name));
    const allocate = allocatorUnderTest(env, impl, num("shards", 1), name);
    await drive(allocate, 200, 1); // warm-up: the object exists and its code is compiled
    return Response.json(await drive(allocate, num("n", 2000), num("concurrency", 1)));
  },
};
