import { describe, expect, it } from "vitest";
import { OneAtATime } from "../../workers/resize/one-at-a-time";

// The resize Worker's per-isolate turn: a second image waits until the first one is done.
describe("one image at a time", () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it("starts each task only after the previous one settled, and returns its result", async () => {
    const turn = new OneAtATime();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([turn.run(task("a")), turn.run(task("b")), turn.run(task("c"))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
  });

  it("lets the next task run after one fails, and passes the failure to its caller", async () => {
    const turn = new OneAtATime();
    const failed = turn.run(async () => {
      await tick();
      throw new Error("broken image");
    });
    const next = turn.run(async () => "next");
    await expect(failed).rejects.toThrow("broken image");
    await expect(next).resolves.toBe("next");
  });
});
