/** Damaged copies of a file for the decoders' fuzz tests. */
import { PipelineError } from "../../workers/resize/pipeline/errors";

/**
 * Damages `original` `runs` times (1-8 random bytes overwritten past `skip`; with `truncate`, every
 * fifth copy is also cut short) and decodes each copy: returns the outcomes that were neither a
 * decode nor a PipelineError.
 */
export function unexpectedOutcomes(original: Uint8Array, opts: { seed: number; runs: number; skip: number; truncate: boolean }, decode: (bytes: Uint8Array) => void): string[] {
  let seed = opts.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const unexpected: string[] = [];
  for (let k = 0; k < opts.runs; k++) {
    const bytes = Uint8Array.from(original);
    for (let j = 0, n = 1 + Math.floor(random() * 8); j < n; j++) bytes[Math.floor(opts.skip + random() * (bytes.length - opts.skip))] = Math.floor(random() * 256);
    try {
      decode(opts.truncate && k % 5 === 0 ? bytes.subarray(0, Math.floor(bytes.length * random())) : bytes);
    } catch (err) {
      if (!(err instanceof PipelineError)) unexpected.push(String(err));
    }
  }
  return unexpected;
}
