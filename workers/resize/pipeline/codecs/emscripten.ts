import { exportedMemory, InstanceSlot, type WasmInstance } from "./slot";

/** What the jSquash Emscripten factories accept (a subset of Emscripten's Module options). */
interface ModuleOptions {
  noInitialRun: boolean;
  print: (text: string) => void;
  printErr: (text: string) => void;
  instantiateWasm: (
    imports: WebAssembly.Imports,
    done: (instance: WebAssembly.Instance, module?: WebAssembly.Module) => void,
  ) => WebAssembly.Exports;
}

export type EmscriptenFactory<M> = (options: ModuleOptions) => Promise<M>;

export interface EmscriptenInstance<M> extends WasmInstance {
  readonly module: M;
  /** Lines the codec printed (its diagnostics); cleared per call. */
  readonly log: string[];
}

/**
 * A slot for a jSquash codec, instantiated straight from its Emscripten factory with the compiled
 * module wrangler imported (no fetch, no `locateFile`), its output captured instead of printed.
 * Awaiting the factory itself resolves only once the runtime is initialised, which avoids the
 * "init resolved before the module is ready" race of the packages' own `init()` helpers.
 */
export function emscriptenSlot<M>(
  name: string,
  factory: EmscriptenFactory<M>,
  wasm: WebAssembly.Module,
): InstanceSlot<EmscriptenInstance<M>> {
  return new InstanceSlot(name, async () => {
    const log: string[] = [];
    let memory: WebAssembly.Memory | undefined;
    const module = await factory({
      noInitialRun: true,
      print: (text) => log.push(String(text)),
      printErr: (text) => log.push(String(text)),
      instantiateWasm: (imports, done) => {
        const instance = new WebAssembly.Instance(wasm, imports);
        memory = exportedMemory(instance.exports);
        done(instance, wasm);
        return instance.exports;
      },
    });
    if (!memory) throw new Error(`${name}: the Emscripten runtime did not instantiate its module`);
    return { module, memory, log };
  });
}
