// Types for resize-images.mjs (used by the memory tests).
export interface BenchImage {
  name: string;
  note: string;
  bytes: Buffer;
}
export function generatedImages(): Promise<BenchImage[]>;
export function photoPixels(width: number, height: number, channels: 3 | 4, seed: number): Buffer;
export function cached(name: string, make: () => Promise<Buffer>): Promise<Buffer>;
export const SHARED_FILES: Record<"72mp.jpg" | "72mp-progressive.jpg" | "72mp-progressive-turned.jpg" | "24mp-fast.gif" | "24mp-lossless.webp" | "24mp-420.avif" | "13.8mp-444.avif" | "13.8mp-10bit.avif" | "16mp-alpha.avif" | "anim-2048x2048x12.gif" | "anim-2048x2048x12.webp" | "anim-1024x1024x25.webp", () => Promise<Buffer>>;
export function sharedFile(name: keyof typeof SHARED_FILES): Promise<Buffer>;
