import { AppError } from "./errors";

/**
 * Runs a storage call (D1, R2, Queues) and turns its failure into a retryable `503 unavailable`:
 * storage blips are expected at this scale and must not surface as 500s, which mean bugs.
 */
export async function storageCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError("unavailable", `${what} is unavailable, retry shortly`, { cause: err, headers: { "Retry-After": "1" } });
  }
}
