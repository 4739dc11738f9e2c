import type { Miniflare } from "miniflare";

export const ROOT: string;
export const ENVS: string[];
export type Built = Record<string, { name: string; scriptPath: string; outdir: string }>;
export function bundleWorker(entry: string, outdir: string): Promise<string>;
export function startScratchWorker(entry: string, options?: Record<string, unknown>): Promise<{ mf: Miniflare; dispose: () => Promise<void> }>;
export function buildWorkers(outRoot?: string): Promise<Built>;
export function applyMigrations(db: unknown): Promise<string[]>;
export function startSystem(options?: {
  persistRoot?: string;
  host?: string;
  port?: number;
  logLevel?: number;
  quiet?: boolean;
  build?: Built;
  workerOverrides?: Record<string, Record<string, unknown>>;
}): Promise<{ mf: Miniflare; url: string; applied: string[]; dispose: () => Promise<void> }>;
