import { EngineFailure } from "./codecs/engine-core";

/**
 * A permanent pipeline failure: the input cannot be decoded (corrupt, truncated, lying header,
 * unsupported coding). Retrying gives the same answer. `message` is a short human reason.
 */
export class PipelineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PipelineError";
  }
}

/**
 * Runs decoding steps in the engine. Its codecs stop on input they cannot decode, so their failures
 * are permanent: a PipelineError named by the format. Anything else (a bug, an instantiation
 * failure) passes through unchanged.
 */
export function decodingAs<T>(format: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof EngineFailure) throw new PipelineError(`${format}: ${err.message}`, { cause: err });
    throw err;
  }
}
