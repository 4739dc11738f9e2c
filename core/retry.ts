/** Delay before a failed resize job is retried: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(300, 2 ** Math.max(1, attempt));
}
