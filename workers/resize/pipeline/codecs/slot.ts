/**
 * WASM instances per codec and isolate. A reusable slot creates its instance lazily on first use
 * and shares it across calls and jobs, replacing it:
 * - after any call on it failed (a trap, an Emscripten `abort`/`exit`, a Rust panic): its memory,
 *   stack pointer and allocator state are then unknown, and a Rust panic leaks shadow stack, so a
 *   reused poisoned instance ends in "memory access out of bounds" after a few thousand failures;
 * - after a call that left its linear memory larger than {@link RECYCLE_ABOVE_BYTES}: WASM memory
 *   never shrinks, so one large job would otherwise pin its high-water mark for the isolate's life.
 * A one-shot slot (`reuse: false`, the decoders) gives every call a fresh instance, dropped after.
 * A dropped instance is reclaimed by the garbage collector like any other object.
 * Each call's `fn` is synchronous WASM work, so concurrent jobs in one isolate never interleave
 * inside an instance.
 */
export const RECYCLE_ABOVE_BYTES = 24 * 1024 * 1024;

export interface WasmInstance {
  readonly memory: WebAssembly.Memory;
}

const slots = new Set<InstanceSlot<WasmInstance>>();

/** A codec could not be instantiated (e.g. no memory for a new instance): not the input's fault. */
export class InstantiationError extends Error {
  constructor(name: string, cause: unknown) {
    super(`${name}: could not instantiate: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "InstantiationError";
  }
}

export class InstanceSlot<T extends WasmInstance> {
  private shared: Promise<T> | undefined;
  /** Instances alive in this slot: the shared one and in-flight one-shot ones (diagnostics). */
  private readonly held = new Set<T>();
  private readonly poisoned = new WeakSet<T>();

  /**
   * `reuse: false` is for decoders, which run once per job on the full-size source: instantiating
   * from the compiled module takes 0-6 ms in workerd, while a kept Emscripten instance holds at
   * least its 16 MiB initial memory between jobs.
   */
  constructor(
    readonly name: string,
    private readonly create: () => Promise<T> | T,
    private readonly options: { reuse: boolean } = { reuse: true },
  ) {
    slots.add(this as unknown as InstanceSlot<WasmInstance>);
  }

  /** Bytes of linear memory held by this slot's live instances. */
  currentBytes(): number {
    let total = 0;
    for (const instance of this.held) total += instance.memory.buffer.byteLength;
    return total;
  }

  /** Whether the slot keeps its instance between calls and jobs. */
  get keepsInstance(): boolean {
    return this.options.reuse;
  }

  /** Forgets the shared instance; the next `use` creates a fresh one. */
  release(): void {
    this.shared = undefined;
    this.held.clear();
  }

  async use<R>(fn: (instance: T) => R | Promise<R>): Promise<R> {
    for (;;) {
      const pending = this.options.reuse
        ? (this.shared ??= Promise.resolve().then(this.create))
        : Promise.resolve().then(this.create);
      let instance: T;
      try {
        instance = await pending;
      } catch (err) {
        if (this.shared === pending) this.shared = undefined;
        throw new InstantiationError(this.name, err);
      }
      // Another job's call failed on this shared instance while we waited: take a fresh one.
      if (this.poisoned.has(instance)) continue;
      this.held.add(instance);
      let ok = false;
      try {
        const result = await fn(instance);
        ok = true;
        return result;
      } finally {
        notePeak();
        if (!ok) this.poisoned.add(instance);
        const keep = this.options.reuse && ok && instance.memory.buffer.byteLength <= RECYCLE_ABOVE_BYTES;
        if (!keep) {
          if (this.shared === pending) this.shared = undefined;
          this.held.delete(instance);
        }
      }
    }
  }
}

/**
 * Forgets every instance kept between jobs (their memory goes to the garbage collector), for a job
 * that needs the room more than a warm codec: an animation.
 */
export function releaseKeptInstances(): void {
  for (const slot of slots) if (slot.keepsInstance) slot.release();
}

/** Linear memory of every instance currently held, by codec (diagnostics). */
export function liveWasmMemory(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const slot of slots) {
    const bytes = slot.currentBytes();
    if (bytes > 0) out[slot.name] = bytes;
  }
  return out;
}

/** Sum of the linear memories of every instance currently held (diagnostics). */
export function liveWasmBytes(): number {
  let total = 0;
  for (const slot of slots) total += slot.currentBytes();
  return total;
}

let peak: { bytes: number; byCodec: Record<string, number> } = { bytes: 0, byCodec: {} };

function notePeak(): void {
  const bytes = liveWasmBytes();
  if (bytes > peak.bytes) peak = { bytes, byCodec: liveWasmMemory() };
}

/**
 * Largest sum of live linear memories seen at the end of any codec call since the last reset,
 * counting the instance just used before it is dropped (diagnostics; concurrent jobs in one
 * isolate share it).
 */
export function resetWasmPeak(): void {
  peak = { bytes: 0, byCodec: {} };
}

export function wasmPeak(): { bytes: number; byCodec: Record<string, number> } {
  return peak;
}

/** The one exported `WebAssembly.Memory` of an instance (Emscripten minifies its export name). */
export function exportedMemory(exports: WebAssembly.Exports): WebAssembly.Memory {
  for (const value of Object.values(exports)) {
    if (value instanceof WebAssembly.Memory) return value;
  }
  throw new Error("WASM instance exports no memory");
}
