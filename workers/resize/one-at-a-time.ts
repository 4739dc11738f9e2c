/**
 * Runs tasks one after another. The runtime may hand one isolate several queue invocations at
 * once, and the resize engine's memory budget (100 of the isolate's 128 MiB) is per job: two large
 * images decoding side by side would add up. So the part of a job that holds an image (reading
 * the original, validating it, rendering the variants) takes this turn; the rest (D1, writing
 * the variants) does not wait.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one to settle, whether it succeeded or not.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
