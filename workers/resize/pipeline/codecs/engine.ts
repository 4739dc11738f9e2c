import engineWasm from "../../wasm/engine.wasm";
import { instantiateEngine, type EngineInstance } from "./engine-core";
import { InstanceSlot } from "./slot";

export * from "./engine-core";

/** A fresh engine instance for each `use`: a job's engine work happens inside one call. */
export const engineSlot = new InstanceSlot<EngineInstance>("engine", () => instantiateEngine(engineWasm), { reuse: false });
