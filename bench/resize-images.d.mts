// Types for resize-images.mjs (used by the memory tests).
export interface BenchImage {
  name: string;
  note: string;
  bytes: Buffer;
}
export function generatedImages(): Promise<BenchImage[]>;
export function photoPixels(width: number, height: number, channels: 3 | 4, seed: number): Buffer;
export function cached(name: string, make: () => Promise<Buffer>): Promise<Buffer>;
