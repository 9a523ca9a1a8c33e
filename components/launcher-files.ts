/**
 * Reads the launcher's Python files from images/launcher/ at plan time, for the ConfigMap that
 * carries them into the training pods. Scripts stay files of their own (tested with pytest),
 * never strings in TypeScript.
 */
import * as fs from "fs";
import * as path from "path";

export const LAUNCHER_SOURCE_DIR = path.resolve(__dirname, "..", "images", "launcher");

/** Every `*.py` of the directory (tests excluded), name → contents. */
export function readLauncherFiles(dir = LAUNCHER_SOURCE_DIR): Record<string, string> {
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".py") && !f.startsWith("test_"))
    .sort();
  return Object.fromEntries(names.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}
