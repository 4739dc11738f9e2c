/**
 * One lazily created WASM instance per codec and isolate, reused across jobs, and replaced:
 * - after any call on it failed (a trap, an Emscripten `abort`/`exit`, a Rust panic): its memory,
 *   stack pointer and allocator state are then unknown, and a Rust panic leaks shadow stack, so a
 *   reused poisoned instance ends in "memory access out of bounds" after a few thousand failures;
 * - after a call that left its linear memory larger than {@link RECYCLE_ABOVE_BYTES}: WASM memory
 *   never shrinks, so one large job would otherwise pin its high-water mark for the isolate's life;
 * - after every call, for slots made with `reuse: false` (the decoders, see the constructor).
 * A dropped instance is reclaimed by the garbage collector like any other object.
 */
export const RECYCLE_ABOVE_BYTES = 24 * 1024 * 1024;

export interface WasmInstance {
  readonly memory: WebAssembly.Memory;
}

const live = new Set<InstanceSlot<WasmInstance>>();

/** Linear memory of every instance currently held by a slot, by codec (diagnostics). */
export function liveWasmMemory(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const slot of live) {
    const bytes = slot.currentBytes();
    if (bytes > 0) out[slot.name] = bytes;
  }
  return out;
}

let peak: { bytes: number; byCodec: Record<string, number> } = { bytes: 0, byCodec: {} };

/**
 * Largest sum of live linear memories seen at the end of any codec call since the last reset,
 * counting the instance just used before a one-shot one is dropped (diagnostics; concurrent jobs
 * in one isolate share it).
 */
export function resetWasmPeak(): void {
  peak = { bytes: 0, byCodec: {} };
}

export function wasmPeak(): { bytes: number; byCodec: Record<string, number> } {
  return peak;
}

function notePeak(): void {
  const bytes = liveWasmBytes();
  if (bytes > peak.bytes) peak = { bytes, byCodec: liveWasmMemory() };
}

/** Drops every codec instance this isolate holds (e.g. before a large job or when idle). */
export function releaseAll(): void {
  for (const slot of live) slot.release();
}

/** Sum of the linear memories of every instance currently held by a slot (diagnostics). */
export function liveWasmBytes(): number {
  let total = 0;
  for (const slot of live) total += slot.currentBytes();
  return total;
}

export class InstanceSlot<T extends WasmInstance> {
  private pending: Promise<T> | undefined;
  private ready: T | undefined;

  /**
   * `reuse: false` drops the instance after every call: for decoders, which run once per job on
   * the full-size source. Instantiating from the compiled module takes 0-6 ms in workerd, while a
   * kept Emscripten instance holds at least its 16 MiB initial memory between jobs.
   */
  constructor(
    readonly name: string,
    private readonly create: () => Promise<T> | T,
    private readonly options: { reuse: boolean } = { reuse: true },
  ) {
    live.add(this as unknown as InstanceSlot<WasmInstance>);
  }

  /** Drops the current instance (if any); the next `use` creates a fresh one. */
  release(): void {
    this.pending = undefined;
    this.ready = undefined;
  }

  /** Bytes of linear memory the current instance holds (0 when none is held). */
  currentBytes(): number {
    return this.ready ? this.ready.memory.buffer.byteLength : 0;
  }

  /** Runs `fn` on the instance (creating it if needed); see the class comment for replacement. */
  async use<R>(fn: (instance: T) => R | Promise<R>): Promise<R> {
    let pending = this.pending;
    if (!pending) {
      pending = Promise.resolve().then(this.create);
      this.pending = pending;
    }
    let instance: T;
    try {
      instance = await pending;
    } catch (err) {
      this.drop(pending);
      throw err;
    }
    if (this.pending === pending) this.ready = instance;
    let ok = false;
    try {
      const result = await fn(instance);
      ok = true;
      return result;
    } finally {
      notePeak();
      if (!ok || !this.options.reuse || instance.memory.buffer.byteLength > RECYCLE_ABOVE_BYTES) this.drop(pending);
    }
  }

  /** Forgets the instance (if it is still the current one): the next `use` creates a fresh one. */
  private drop(pending: Promise<T>): void {
    if (this.pending !== pending) return;
    this.pending = undefined;
    this.ready = undefined;
  }
}

/** The one exported `WebAssembly.Memory` of an instance (Emscripten minifies its export name). */
export function exportedMemory(exports: WebAssembly.Exports): WebAssembly.Memory {
  for (const value of Object.values(exports)) {
    if (value instanceof WebAssembly.Memory) return value;
  }
  throw new Error("WASM instance exports no memory");
}
