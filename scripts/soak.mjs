// `npm run soak [-- --seconds 300 --rate 2 --readers 4]`: uploads a mix of corpus files at a steady
// rate while readers fetch variants, against the whole local system; then checks that every accepted
// upload settled, every ready image serves all its variants, no 5xx was seen, storage counts match,
// and the runtime's memory stayed flat. Prints and writes bench/results/soak.json.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { LogLevel } from "miniflare";
import { ROOT, startSystem } from "./lib/system.mjs";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "300" }, rate: { type: "string", default: "2" }, readers: { type: "string", default: "4" } },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const READERS = Number(values.readers);
const CORPUS = path.resolve(ROOT, "../shared/corpus");

/** Resident memory (MiB) of the workerd processes under this one. */
function runtimeRssMiB() {
  const out = execFileSync("ps", ["-eo", "pid,ppid,rss,comm"], { encoding: "utf8" });
  const rows = out.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/));
  const kids = new Set([String(process.pid)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of rows) if (kids.has(ppid) && !kids.has(pid)) (kids.add(pid), (grew = true));
  }
  return rows.filter(([pid, , , comm]) => kids.has(pid) && comm.includes("workerd")).reduce((s, r) => s + Number(r[2]) / 1024, 0);
}

const manifest = JSON.parse(await readFile(path.join(CORPUS, "manifest.json"), "utf8"));
// Weighted towards real photos, with every kind of file represented.
const pool = [
  ...manifest.filter((e) => e.path.startsWith("photos/")).flatMap((e) => [e, e, e, e]),
  ...manifest.filter((e) => !e.path.startsWith("photos/")),
];
const files = new Map();
for (const e of new Set(pool)) files.set(e.path, await readFile(path.join(CORPUS, e.path)));

const persistRoot = await mkdtemp(path.join(os.tmpdir(), "img-host-soak-"));
const system = await startSystem({ persistRoot, port: 0, logLevel: LogLevel.NONE, quiet: true });
const base = system.url;
console.log(`soak: ${SECONDS} s, ${RATE} uploads/s, ${READERS} readers against ${base}`);

const stats = { uploads: 0, accepted: 0, rejected: 0, unexpected: 0, upload5xx: 0, uploadTimeouts: 0, reads: 0, read5xx: 0, readErrors: 0 };
/** No request may hang: anything slower than this counts as a failure of the run. */
const REQUEST_TIMEOUT_MS = 30_000;
const timedOut = [];
const accepted = [];
const ready = [];
const rssStart = runtimeRssMiB();
const rssSamples = [{ t: 0, mib: rssStart }];
const started = Date.now();
const end = started + SECONDS * 1000;

async function uploader() {
  let next = Date.now();
  while (Date.now() < end) {
    const entry = pool[Math.floor(Math.random() * pool.length)];
    const fd = new FormData();
    fd.append("file", new Blob([files.get(entry.path)]), path.basename(entry.path));
    let res;
    let body;
    try {
      res = await fetch(`${base}/api/images`, { method: "POST", body: fd, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      body = await res.json();
    } catch (err) {
      stats.uploadTimeouts++;
      timedOut.push({ file: entry.path, at_s: Math.round((Date.now() - started) / 1000), error: String(err) });
      console.error(`upload of ${entry.path} failed: ${err}`);
      continue;
    }
    stats.uploads++;
    if (res.status >= 500) stats.upload5xx++;
    if (res.status === 202) (stats.accepted++, accepted.push(body.id));
    else stats.rejected++;
    if ((res.status === 202) !== (entry.expect === "accept")) stats.unexpected++;
    next += 1000 / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
}

async function reader() {
  while (Date.now() < end) {
    const id = ready.length ? ready[Math.floor(Math.random() * ready.length)] : accepted[accepted.length - 1];
    if (!id) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const url = `${base}/i/${id}${["", "/800", "/500.jpg", "/1024.webp"][stats.reads % 4]}`;
    try {
      const res = await fetch(url, { headers: { accept: "image/webp,*/*" }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await res.arrayBuffer();
      stats.reads++;
      if (res.status >= 500) stats.read5xx++;
    } catch {
      stats.readErrors++;
    }
  }
}

async function statusOf(id) {
  return (await fetch(`${base}/api/images/${id}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).json();
}

async function tracker() {
  const seen = new Set();
  while (Date.now() < end) {
    for (const id of accepted.slice(-20)) {
      if (seen.has(id)) continue;
      const r = await statusOf(id).catch(() => ({ status: "unknown" }));
      if (r.status === "ready") (seen.add(id), ready.push(id));
    }
    rssSamples.push({ t: Date.now() - started, mib: runtimeRssMiB() });
    await new Promise((r) => setTimeout(r, 2000));
  }
}

await Promise.all([uploader(), tracker(), ...Array.from({ length: READERS }, reader)]);

// Let the queue drain, then check every accepted image.
const settled = { ready: 0, failed: 0, stuck: 0, failedReasons: {} };
const deadline = Date.now() + 180_000;
let variantObjects = 0;
let variantsServed = 0;
let variantFailures = 0;
for (const id of accepted) {
  let r = await statusOf(id);
  while ((r.status === "pending" || r.status === "processing") && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 250));
    r = await statusOf(id);
  }
  if (r.status === "ready") {
    settled.ready++;
    variantObjects += r.variants.length;
    for (const v of r.variants) {
      const res = await fetch(v.url, { method: "HEAD" });
      res.status === 200 ? variantsServed++ : variantFailures++;
    }
  } else if (r.status === "failed") {
    settled.failed++;
    settled.failedReasons[r.error ?? "none"] = (settled.failedReasons[r.error ?? "none"] ?? 0) + 1;
  } else settled.stuck++;
}
const bucket = await system.mf.getR2Bucket("BUCKET", "img-upload");
const db = await system.mf.getD1Database("DB", "img-upload");
let objects = 0;
let cursor;
do {
  const page = await bucket.list({ cursor });
  objects += page.objects.length;
  cursor = page.truncated ? page.cursor : undefined;
} while (cursor);
const rows = (await db.prepare("SELECT count(*) AS n FROM images").first()).n;
const rssEnd = runtimeRssMiB();
/** Median RSS over quarter `q` (0–3) of the run. */
function quarterMedian(q) {
  const span = (SECONDS * 1000) / 4;
  const inQuarter = rssSamples.filter((s) => s.t >= q * span && s.t < (q + 1) * span).map((s) => s.mib).sort((a, b) => a - b);
  return inQuarter.length ? inQuarter[Math.floor(inQuarter.length / 2)] : rssEnd;
}
await system.dispose();
await rm(persistRoot, { recursive: true, force: true });

const result = {
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  seconds: Math.round((Date.now() - started) / 1000),
  rate_per_s: RATE,
  readers: READERS,
  ...stats,
  timed_out: timedOut,
  settled,
  variants: { expected: variantObjects, served: variantsServed, failures: variantFailures },
  storage: { r2_objects: objects, expected_r2_objects: accepted.length + variantObjects, d1_rows: rows, expected_d1_rows: accepted.length },
  // The isolates' code, caches, WASM memories and V8's lazily collected heaps fill up first; a leak
  // shows as the second half of the run sitting higher than the plateau reached in the first half.
  runtime_rss_mib: {
    start: Math.round(rssStart),
    end: Math.round(rssEnd),
    max: Math.round(Math.max(...rssSamples.map((s) => s.mib))),
    median_second_quarter: Math.round(quarterMedian(1)),
    median_last_quarter: Math.round(quarterMedian(3)),
    growth_after_warm_up: Math.round(quarterMedian(3) - quarterMedian(1)),
    // Every 20 s, to tell a plateau from a leak.
    samples: rssSamples.filter((_, i) => i % 10 === 0).map((s) => [Math.round(s.t / 1000), Math.round(s.mib)]),
  },
};
const ok =
  stats.upload5xx === 0 &&
  stats.uploadTimeouts === 0 &&
  stats.read5xx === 0 &&
  stats.unexpected === 0 &&
  settled.stuck === 0 &&
  variantFailures === 0 &&
  objects === result.storage.expected_r2_objects &&
  rows === accepted.length;
result.ok = ok;
console.log(JSON.stringify(result, null, 2));
await mkdir(path.join(ROOT, "bench/results"), { recursive: true });
await writeFile(path.join(ROOT, "bench/results/soak.json"), JSON.stringify(result, null, 2) + "\n");
process.exit(ok ? 0 : 1);
