import { ArrayContainer, ARRAY_MAX, BITMAP_BYTES, BitmapContainer, RunContainer, type Container, type ContainerKind } from "./link-roaring-container";

/*
 * Choosing and storing a container's layout. The payloads are those of the Roaring portable format
 * (array: u16 values; bitmap: 1,024 little-endian u64 words; run: u16 count then (start, length - 1)
 * pairs), one container per record, its kind kept beside it.
 */

/** Serialized size of each layout for a set of `cardinality` values forming `runCount` runs. */
export function layoutBytes(cardinality: number, runCount: number): Record<ContainerKind, number> {
  return { array: cardinality <= ARRAY_MAX ? cardinality * 2 : Infinity, bitmap: BITMAP_BYTES, run: 2 + runCount * 4 };
}

/** The same set in its smallest layout (ties prefer run, then array: cheaper to append to). */
export function optimize(c: Container): Container {
  const runs = c.runs();
  const size = layoutBytes(c.cardinality, runs.length);
  const best: ContainerKind = size.run <= Math.min(size.array, size.bitmap) ? "run" : size.array <= size.bitmap ? "array" : "bitmap";
  if (best === c.kind) return c;
  return fromRuns(best, runs);
}

function fromRuns(kind: ContainerKind, runs: Array<[number, number]>): Container {
  if (kind === "bitmap") return BitmapContainer.fromRuns(runs);
  if (kind === "run") return new RunContainer(runs.map((r) => r[0]), runs.map((r) => r[1]));
  const values: number[] = [];
  for (const [start, end] of runs) for (let v = start; v <= end; v++) values.push(v);
  return new ArrayContainer(values);
}

export function decodeContainer(kind: ContainerKind, bytes: Uint8Array): Container {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === "array") return new ArrayContainer(Array.from({ length: bytes.byteLength / 2 }, (_, i) => view.getUint16(i * 2, true)));
  if (kind === "bitmap") {
    if (bytes.byteLength !== BITMAP_BYTES) throw new RangeError("bitmap container must be 8 KiB");
    return new BitmapContainer(Uint32Array.from({ length: BITMAP_BYTES / 4 }, (_, i) => view.getUint32(i * 4, true)));
  }
  const n = view.getUint16(0, true);
  if (bytes.byteLength !== 2 + n * 4) throw new RangeError("run container length mismatch");
  const starts = Array.from({ length: n }, (_, i) => view.getUint16(2 + i * 4, true));
  return new RunContainer(starts, starts.map((s, i) => s + view.getUint16(4 + i * 4, true)));
}
