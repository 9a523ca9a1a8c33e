/**
 * Reads the launcher's files from images/launcher/ at plan time, for the ConfigMap that carries
 * them into the training pods: its Python files, and catalog.json, the catalog facts the
 * preflight reads next to itself (generated from catalog/ by `npm run generate`). Scripts stay
 * files of their own (tested with unittest), never strings in TypeScript.
 */
import * as fs from "fs";
import * as path from "path";
import { LAUNCHER_CATALOG_FILE } from "../catalog/launcher-facts";

export const LAUNCHER_SOURCE_DIR = path.resolve(__dirname, "..", "images", "launcher");

/** Every `*.py` of the directory (tests excluded) and catalog.json, name → contents. */
export function readLauncherFiles(dir = LAUNCHER_SOURCE_DIR): Record<string, string> {
  const names = fs
    .readdirSync(dir)
    .filter((f) => (f.endsWith(".py") && !f.startsWith("test_")) || f === LAUNCHER_CATALOG_FILE)
    .sort();
  return Object.fromEntries(names.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}
