import { liveWasmBytes, liveWasmMemory, resetWasmPeak, wasmPeak } from "./codecs/slot";

/** What a job may hold in all: the isolate's 128 MiB less room for the runtime itself. */
export const ISOLATE_BUDGET_BYTES = 100 * 2 ** 20;

/**
 * The memory a job holds in its isolate, as far as the job can see it: the linear memories of every
 * WebAssembly instance it holds (sampled by the slots at the end of every codec call, when each
 * memory is at its high-water mark, since linear memory never shrinks) plus the large JS buffers it
 * holds at that moment (the compressed input, decoded pixels, variants). workerd exposes no heap
 * statistics, so small JS objects and the isolate's fixed cost (code, compiled modules) are not in
 * it; instances the job has dropped are not either (garbage the collector reclaims under pressure).
 * The sum is taken conservatively: the highest WASM total seen so far in the job plus the JS
 * buffers held now, at each checkpoint.
 */
export class MemoryLedger {
  peakBytes = 0;
  peakWasmBytes = 0;
  peakWasmByCodec: Record<string, number> = {};
  private readonly buffers = new Map<string, number>();

  constructor() {
    resetWasmPeak();
  }

  /** Records that the job now holds (or, with 0, no longer holds) a JS buffer of `bytes`. */
  hold(name: string, bytes: number): void {
    if (bytes > 0) {
      this.buffers.set(name, bytes);
      this.checkpoint();
    } else {
      // The moment before a release is when the buffer and everything grown since were all alive.
      this.checkpoint();
      this.buffers.delete(name);
    }
  }

  checkpoint(): void {
    const wasm = Math.max(wasmPeak().bytes, liveWasmBytes());
    if (wasm > this.peakWasmBytes) {
      this.peakWasmBytes = wasm;
      this.peakWasmByCodec = wasmPeak().bytes >= liveWasmBytes() ? wasmPeak().byCodec : liveWasmMemory();
    }
    let js = 0;
    for (const bytes of this.buffers.values()) js += bytes;
    this.peakBytes = Math.max(this.peakBytes, wasm + js);
  }
}
