/**
 * Roaring containers: one set of 16-bit values (one 65,536-id block of the link allocator) held as
 * whichever of the three Roaring layouts is smallest for its contents:
 * - array: sorted values, 2 bytes each, for sparse sets (at most 4,096 values);
 * - bitmap: 65,536 bits, 8 KiB flat, for dense unstructured sets;
 * - run: sorted [start, end] intervals, 4 bytes each, for what allocation mostly produces — a block
 *   filled from offset 0 upwards is one run whatever its size.
 * Mutations keep the current layout (cheap); `optimize` (link-roaring-codec.ts) re-picks the smallest one
 * before a container is stored.
 */
export const CONTAINER_SIZE = 65_536;
export const ARRAY_MAX = 4_096;
export const BITMAP_BYTES = 8_192;

export type ContainerKind = "array" | "bitmap" | "run";

export interface Container {
  readonly kind: ContainerKind;
  readonly cardinality: number;
  has(v: number): boolean;
  /** Adds `v`; returns the container to keep using (an array grows into a bitmap past 4,096 values). */
  add(v: number): Container;
  remove(v: number): Container;
  /** The smallest value ≥ `from` that is not in the set, or 65,536 when there is none. */
  firstAbsent(from: number): number;
  /** Closed intervals covering exactly the set, ascending. */
  runs(): Array<[number, number]>;
  encode(): Uint8Array;
}

/** Index of the last element ≤ v in an ascending list, or -1. */
function floorIndex(list: ArrayLike<number>, v: number, length = list.length): number {
  let lo = 0;
  let hi = length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! <= v) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export class ArrayContainer implements Container {
  readonly kind = "array";
  constructor(private readonly values: number[] = []) {}
  get cardinality() {
    return this.values.length;
  }
  has(v: number) {
    const i = floorIndex(this.values, v);
    return i >= 0 && this.values[i] === v;
  }
  add(v: number): Container {
    const i = floorIndex(this.values, v);
    if (i >= 0 && this.values[i] === v) return this;
    if (this.values.length >= ARRAY_MAX) return BitmapContainer.fromRuns(this.runs()).add(v);
    this.values.splice(i + 1, 0, v);
    return this;
  }
  remove(v: number): Container {
    const i = floorIndex(this.values, v);
    if (i >= 0 && this.values[i] === v) this.values.splice(i, 1);
    return this;
  }
  firstAbsent(from: number) {
    let i = floorIndex(this.values, from);
    if (i < 0 || this.values[i] !== from) return from;
    let next = from;
    while (i < this.values.length && this.values[i] === next) {
      i++;
      next++;
    }
    return next;
  }
  runs() {
    const out: Array<[number, number]> = [];
    for (const v of this.values) {
      const last = out[out.length - 1];
      if (last && last[1] + 1 === v) last[1] = v;
      else out.push([v, v]);
    }
    return out;
  }
  encode() {
    const out = new Uint8Array(this.values.length * 2);
    const view = new DataView(out.buffer);
    this.values.forEach((v, i) => view.setUint16(i * 2, v, true));
    return out;
  }
}

export class BitmapContainer implements Container {
  readonly kind = "bitmap";
  private count: number;
  constructor(private readonly words = new Uint32Array(CONTAINER_SIZE / 32)) {
    let n = 0;
    for (const w of words) n += popcount(w);
    this.count = n;
  }
  static fromRuns(runs: Array<[number, number]>): BitmapContainer {
    const words = new Uint32Array(CONTAINER_SIZE / 32);
    for (const [start, end] of runs) for (let v = start; v <= end; v++) words[v >>> 5]! |= 1 << (v & 31);
    return new BitmapContainer(words);
  }
  get cardinality() {
    return this.count;
  }
  has(v: number) {
    return (this.words[v >>> 5]! & (1 << (v & 31))) !== 0;
  }
  add(v: number): Container {
    if (!this.has(v)) {
      this.words[v >>> 5]! |= 1 << (v & 31);
      this.count++;
    }
    return this;
  }
  remove(v: number): Container {
    if (this.has(v)) {
      this.words[v >>> 5]! &= ~(1 << (v & 31));
      this.count--;
    }
    return this;
  }
  firstAbsent(from: number) {
    for (let w = from >>> 5; w < this.words.length; w++) {
      // Bits below `from` in its own word count as present so the search starts at `from`.
      const word = w === from >>> 5 ? this.words[w]! | ((1 << (from & 31)) - 1) : this.words[w]!;
      if (word !== -1 && word !== 0xffffffff) return w * 32 + ctz(~word >>> 0);
    }
    return CONTAINER_SIZE;
  }
  runs() {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let w = 0; w < this.words.length; w++) {
      const word = this.words[w]!;
      // Whole empty or full words are the common case; only mixed words are walked bit by bit.
      if ((word === 0 && start < 0) || (word === 0xffffffff && start >= 0)) continue;
      for (let b = 0; b < 32; b++) {
        const set = (word & (1 << b)) !== 0;
        if (set && start < 0) start = w * 32 + b;
        else if (!set && start >= 0) {
          out.push([start, w * 32 + b - 1]);
          start = -1;
        }
      }
    }
    if (start >= 0) out.push([start, CONTAINER_SIZE - 1]);
    return out;
  }
  encode() {
    const out = new Uint8Array(BITMAP_BYTES);
    const view = new DataView(out.buffer);
    this.words.forEach((w, i) => view.setUint32(i * 4, w, true));
    return out;
  }
}

export class RunContainer implements Container {
  readonly kind = "run";
  private count: number;
  /** Disjoint, non-adjacent closed intervals, ascending: adjacent runs are always merged. */
  constructor(
    private readonly starts: number[] = [],
    private readonly ends: number[] = [],
  ) {
    this.count = starts.reduce((n, s, i) => n + ends[i]! - s + 1, 0);
  }
  get cardinality() {
    return this.count;
  }
  has(v: number) {
    const i = floorIndex(this.starts, v);
    return i >= 0 && v <= this.ends[i]!;
  }
  add(v: number): Container {
    const i = floorIndex(this.starts, v);
    if (i >= 0 && v <= this.ends[i]!) return this;
    this.count++;
    const joinsLeft = i >= 0 && this.ends[i]! + 1 === v;
    const joinsRight = i + 1 < this.starts.length && this.starts[i + 1]! - 1 === v;
    if (joinsLeft && joinsRight) {
      this.ends[i] = this.ends[i + 1]!;
      this.starts.splice(i + 1, 1);
      this.ends.splice(i + 1, 1);
    } else if (joinsLeft) this.ends[i] = v;
    else if (joinsRight) this.starts[i + 1] = v;
    else {
      this.starts.splice(i + 1, 0, v);
      this.ends.splice(i + 1, 0, v);
    }
    return this;
  }
  remove(v: number): Container {
    const i = floorIndex(this.starts, v);
    if (i < 0 || v > this.ends[i]!) return this;
    this.count--;
    const [start, end] = [this.starts[i]!, this.ends[i]!];
    if (start === end) {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (v === start) this.starts[i] = v + 1;
    else if (v === end) this.ends[i] = v - 1;
    else {
      this.ends[i] = v - 1;
      this.starts.splice(i + 1, 0, v + 1);
      this.ends.splice(i + 1, 0, end);
    }
    return this;
  }
  firstAbsent(from: number) {
    const i = floorIndex(this.starts, from);
    // Runs never touch, so the value after a covering run is absent.
    return i >= 0 && from <= this.ends[i]! ? this.ends[i]! + 1 : from;
  }
  runs() {
    return this.starts.map((s, i): [number, number] => [s, this.ends[i]!]);
  }
  encode() {
    const out = new Uint8Array(2 + this.starts.length * 4);
    const view = new DataView(out.buffer);
    view.setUint16(0, this.starts.length, true);
    this.starts.forEach((s, i) => {
      view.setUint16(2 + i * 4, s, true);
      view.setUint16(4 + i * 4, this.ends[i]! - s, true);
    });
    return out;
  }
}

function popcount(w: number): number {
  w -= (w >>> 1) & 0x55555555;
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Count of trailing zero bits of a non-zero 32-bit word. */
function ctz(w: number): number {
  return 31 - Math.clz32(w & -w);
}
