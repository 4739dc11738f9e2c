import resizeWasm from "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm";
import type { Rgba } from "../pixels";
import { InstanceSlot, type WasmInstance } from "./slot";

/**
 * Squoosh's Rust resizer (the `resize` crate) as shipped in @jsquash/resize, called through its
 * five raw exports (it has no imports). Going around the package's `resize()` avoids its global
 * `ImageData` requirement and its never-replaced singleton instance.
 */
interface ResizeExports {
  memory: WebAssembly.Memory;
  resize(
    retptr: number,
    ptr: number,
    len: number,
    inWidth: number,
    inHeight: number,
    outWidth: number,
    outHeight: number,
    filter: number,
    premultiply: number,
    linearRgb: number,
  ): void;
  __wbindgen_add_to_stack_pointer(delta: number): number;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
}

interface ResizeInstance extends WasmInstance {
  readonly exports: ResizeExports;
}

const slot = new InstanceSlot<ResizeInstance>("resize", () => {
  const exports = new WebAssembly.Instance(resizeWasm, {}).exports as unknown as ResizeExports;
  return { exports, memory: exports.memory };
});

const FILTERS = { triangle: 0, catrom: 1, mitchell: 2, lanczos3: 3 } as const;

/**
 * Lanczos3 resize of RGBA8 in gamma-encoded sRGB (as libvips/sharp do by default). With
 * `premultiply` the colour is weighted by alpha, so transparent pixels do not bleed dark fringes.
 */
export function resizeRgba(img: Rgba, width: number, height: number, premultiply: boolean): Promise<Rgba> {
  return slot.use(({ exports: ex }) => {
    const retptr = ex.__wbindgen_add_to_stack_pointer(-16);
    try {
      const ptr = ex.__wbindgen_malloc(img.data.length, 1) >>> 0;
      new Uint8Array(ex.memory.buffer, ptr, img.data.length).set(img.data);
      ex.resize(retptr, ptr, img.data.length, img.width, img.height, width, height, FILTERS.lanczos3, premultiply ? 1 : 0, 0);
      const ret = new Int32Array(ex.memory.buffer, retptr, 2);
      const outPtr = ret[0]! >>> 0;
      const outLen = ret[1]! >>> 0;
      if (outLen !== width * height * 4) throw new Error(`resize returned ${outLen} bytes for ${width}x${height}`);
      const data = new Uint8Array(ex.memory.buffer, outPtr, outLen).slice();
      ex.__wbindgen_free(outPtr, outLen, 1);
      return { data, width, height };
    } finally {
      ex.__wbindgen_add_to_stack_pointer(16);
    }
  });
}
