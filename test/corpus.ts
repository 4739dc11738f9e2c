import { fileURLToPath } from "node:url";

/** The shared test corpus lives next to the repository: <repo>/../shared/corpus. */
export const CORPUS_DIR = fileURLToPath(new URL("../../shared/corpus/", import.meta.url));

/** One entry of the corpus' manifest.json: the verdict a correct service reaches for that file. */
export interface ManifestEntry {
  path: string;
  expect: "accept" | "reject";
  format: string;
  width: number | null;
  height: number | null;
  pages?: number;
  orientation?: number;
}
