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
