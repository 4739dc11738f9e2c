// Types for resize-harness.mjs (used by the memory tests).
export interface ProbeVariant {
  width: number;
  height: number;
  format: "webp" | "jpeg" | "png";
  size: number;
  data?: Uint8Array;
}
export interface ProbeResult {
  /** Pipeline time measured inside the Worker. */
  ms: number;
  wallMs: number;
  stats: {
    peakIsolateBytes: number;
    peakWasmBytes: number;
    peakWasmByCodec: Record<string, number>;
    transparent: boolean;
    jpegScale?: number;
    animatedFrames?: number;
  };
  /** Linear memory of the codec instances still held after the job (the isolate's idle level). */
  liveWasmBytesAfter: number;
  variants: ProbeVariant[];
}
export interface Probe {
  render(bytes: Uint8Array, options?: { withBytes?: boolean }): Promise<ProbeResult>;
  renderWithRss(bytes: Uint8Array): Promise<ProbeResult & { rssDeltaBytes: number | null }>;
  idle(): Promise<number>;
  dispose(): Promise<void>;
}
export function startProbe(): Promise<Probe>;
