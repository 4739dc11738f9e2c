// Runs bench/resize-worker.ts (the resize pipeline) inside workerd, for the benchmark and the memory
// tests: bundled the way scripts/lib/system.mjs bundles the Workers, served by programmatic Miniflare.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, startScratchWorker } from "../scripts/lib/system.mjs";

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
  const { mf, dispose } = await startScratchWorker(path.join(ROOT, "bench/resize-worker.ts"));
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
    dispose,
  };
}
