import photonWasm from "@cf-wasm/photon/photon.wasm";
import type { Rgba } from "../pixels";
import { InstanceSlot, type WasmInstance } from "./slot";

/**
 * photon (Rust `image` 0.24.9), used for its PNG encoder, driven through its raw wasm-bindgen
 * exports rather than `@cf-wasm/photon`'s JS glue. The glue keeps one instance per
 * isolate that can never be replaced (a panic, a trap that leaks shadow stack and heap, would
 * poison it for good); owning the instance lets the slot throw a poisoned one away. Only these exports are used; every
 * JS import photon declares (canvas, DOM, console...) is stubbed to throw, as none is reached on
 * these paths. Pinned to @cf-wasm/photon 0.4.0: re-check the export names when it moves.
 */
interface PhotonExports {
  memory: WebAssembly.Memory;
  __wbindgen_externrefs: WebAssembly.Table;
  __wbindgen_start(): void;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbg_photonimage_free(image: number, flag: number): void;
  photonimage_new(ptr: number, len: number, width: number, height: number): number;
  photonimage_get_bytes(image: number): [number, number];
}

interface PhotonInstance extends WasmInstance {
  readonly exports: PhotonExports;
}

function instantiate(): PhotonInstance {
  let exports: PhotonExports | undefined;
  const imports: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
  for (const imp of WebAssembly.Module.imports(photonWasm)) {
    if (imp.kind !== "function") throw new Error(`photon: unexpected ${imp.kind} import ${imp.name}`);
    const ns = (imports[imp.module] ??= {});
    if (imp.name === "__wbindgen_init_externref_table") {
      // Same as the generated glue: reserve the well-known undefined/null/true/false slots.
      ns[imp.name] = () => {
        const table = exports!.__wbindgen_externrefs;
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset + 0, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
      };
    } else {
      ns[imp.name] = () => {
        throw new Error(`photon called ${imp.name}, which this pipeline does not provide`);
      };
    }
  }
  const instance = new WebAssembly.Instance(photonWasm, imports as WebAssembly.Imports);
  exports = instance.exports as unknown as PhotonExports;
  for (const name of ["photonimage_new", "photonimage_get_bytes"] as const) {
    if (typeof exports[name] !== "function") throw new Error(`photon: export ${name} is missing`);
  }
  exports.__wbindgen_start();
  return { exports, memory: exports.memory };
}

const slot = new InstanceSlot<PhotonInstance>("photon", instantiate);

function passBytes(ex: PhotonExports, bytes: Uint8Array): [number, number] {
  const ptr = ex.__wbindgen_malloc(bytes.length, 1) >>> 0;
  new Uint8Array(ex.memory.buffer, ptr, bytes.length).set(bytes);
  return [ptr, bytes.length];
}

function takeBytes(ex: PhotonExports, [ptr, len]: [number, number]): Uint8Array {
  const out = new Uint8Array(ex.memory.buffer, ptr >>> 0, len >>> 0).slice();
  ex.__wbindgen_free(ptr, len, 1);
  return out;
}

/** Encodes RGBA8 as PNG (`image` 0.24's encoder: RGBA, default zlib level, adaptive filters). */
export function photonEncodePng(img: Rgba): Promise<Uint8Array> {
  return slot.use(({ exports: ex }) => {
    const [ptr, len] = passBytes(ex, img.data);
    const image = ex.photonimage_new(ptr, len, img.width, img.height);
    try {
      return takeBytes(ex, ex.photonimage_get_bytes(image));
    } finally {
      ex.__wbg_photonimage_free(image, 0);
    }
  });
}
