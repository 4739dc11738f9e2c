// The exact `.wasm` files this pipeline imports. wrangler (and esbuild with the `CompiledWasm`
// module rule) hands each one over as a compiled `WebAssembly.Module`. Exact names, not a "*.wasm"
// wildcard, so they cannot clash with a wildcard declared elsewhere in the repository.
declare module "@cf-wasm/photon/photon.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
declare module "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
declare module "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
declare module "@jsquash/webp/codec/dec/webp_dec.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
declare module "@jsquash/webp/codec/enc/webp_enc_simd.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
declare module "@jsquash/avif/codec/dec/avif_dec.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
declare module "@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
