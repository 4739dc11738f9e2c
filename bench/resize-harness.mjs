// Runs bench/resize-worker.ts (the resize pipeline) inside workerd, for the benchmark and the memory
// tests: bundled the way scripts/lib/system.mjs bundles the Workers, served by programmatic Miniflare.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { bundleWorker, ROOT } from "../scripts/lib/system.mjs";

/** The workerd process Miniflare started for this Node process (Linux /proc), if any. */
function workerdPid() {
  for (const d of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const parent = readFileSync(`/proc/${d}/stat`, "utf8").split(" ")[3];
      if (parent === String(process.pid) && readFileSync(`/proc/${d}/comm`, "utf8").startsWith("workerd")) return d;
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

function vm(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field));
  return line ? parseInt(line.split(":")[1], 10) * 1024 : NaN;
}

export async function startProbe() {
  const outdir = await mkdtemp(path.join(os.tmpdir(), "resize-probe-"));
  const scriptPath = await bundleWorker(path.join(ROOT, "bench/resize-worker.ts"), outdir);
  const mf = new Miniflare({
    log: new Log(LogLevel.WARN),
    compatibilityDate: "2026-05-01",
    compatibilityFlags: ["nodejs_compat"],
    modules: true,
    scriptPath,
    modulesRoot: outdir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  });
  await mf.ready;
  const pid = process.platform === "linux" ? workerdPid() : undefined;
  return {
    /**
     * A cross-check of the pipeline's own ledger from outside: the workerd process's peak resident
     * memory during one render minus its resident memory just before (Linux; the peak is reset
     * through /proc/PID/clear_refs, which needs root). Includes the request body in transit and
     * garbage not yet collected, so it is noisy; null where it cannot be read.
     */
    async renderWithRss(bytes) {
      if (!pid) return { ...(await this.render(bytes)), rssDeltaBytes: null };
      let before;
      try {
        before = vm(pid, "VmRSS");
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {
        return { ...(await this.render(bytes)), rssDeltaBytes: null };
      }
      const out = await this.render(bytes);
      return { ...out, rssDeltaBytes: vm(pid, "VmHWM") - before };
    },
    /** Runs the pipeline on `bytes`; `withBytes` also returns each variant's bytes. */
    async render(bytes, { withBytes = false } = {}) {
      const t = performance.now();
      const res = await mf.dispatchFetch(`http://probe/render${withBytes ? "?bytes=1" : ""}`, { method: "POST", body: bytes });
      const text = await res.text();
      const wallMs = performance.now() - t;
      if (!res.ok) throw new Error(`probe answered ${res.status}: ${text.slice(0, 500)}`);
      const out = JSON.parse(text);
      for (const v of out.variants) if (v.data) v.data = Buffer.from(v.data, "base64");
      return { ...out, wallMs };
    },
    async idle() {
      return (await (await mf.dispatchFetch("http://probe/idle")).json()).liveWasmBytes;
    },
    async dispose() {
      await mf.dispose();
      await rm(outdir, { recursive: true, force: true });
    },
  };
}
