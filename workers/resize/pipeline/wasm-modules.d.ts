// The exact `.wasm` files this pipeline imports. wrangler (and esbuild with the `CompiledWasm`
// module rule) hands each one over as a compiled `WebAssembly.Module`. Exact names, not a "*.wasm"
// wildcard, so they cannot clash with a wildcard declared elsewhere in the repository.
declare module "@cf-wasm/photon/photon.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
// The engine is imported by a relative path, which an ambient declaration can only match by pattern.
declare module "*/wasm/engine.wasm" {
  const wasm: WebAssembly.Module;
  export default wasm;
}
