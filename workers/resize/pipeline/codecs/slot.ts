/**
 * One lazily created WASM instance per codec and isolate, reused across jobs, and replaced:
 * - after any call on it failed (a trap, an Emscripten `abort`/`exit`, a Rust panic): its memory,
 *   stack pointer and allocator state are then unknown, and a Rust panic leaks shadow stack, so a
 *   reused poisoned instance ends in "memory access out of bounds" after a few thousand failures;
 * - after a call that left its linear memory larger than {@link RECYCLE_ABOVE_BYTES}: WASM memory
 *   never shrinks, so one large job would otherwise pin its high-water mark for the isolate's life.
 * A dropped instance is reclaimed by the garbage collector like any other object.
 */
export const RECYCLE_ABOVE_BYTES = 24 * 1024 * 1024;

export interface WasmInstance {
  readonly memory: WebAssembly.Memory;
}

const live = new Set<InstanceSlot<WasmInstance>>();

/** Sum of the linear memories of every instance currently held by a slot (diagnostics). */
export function liveWasmBytes(): number {
  let total = 0;
  for (const slot of live) total += slot.currentBytes();
  return total;
}

export class InstanceSlot<T extends WasmInstance> {
  private pending: Promise<T> | undefined;
  private ready: T | undefined;

  constructor(
    readonly name: string,
    private readonly create: () => Promise<T> | T,
  ) {
    live.add(this as unknown as InstanceSlot<WasmInstance>);
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
      if (!ok || instance.memory.buffer.byteLength > RECYCLE_ABOVE_BYTES) this.drop(pending);
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
