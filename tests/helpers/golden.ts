/**
 * Golden files: the Kubernetes objects (and Helm release inputs) of a stack as YAML under
 * tests/golden/<stack>/, compared file by file. `UPDATE_GOLDEN=1 npx jest tests/golden.test.ts`
 * rewrites them; review the diff like code.
 *
 * The launcher ConfigMap's data is replaced by a marker: it is the launcher's source, owned and
 * tested elsewhere, and its content is checked against images/launcher/ by its own test.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { manifestsFrom } from "../../tools/manifests";
import type { RecordedResource } from "../../tools/mocks";
import { PROJECT_DIR } from "./plan";

export const GOLDEN_DIR = path.join(PROJECT_DIR, "tests", "golden");
export const LAUNCHER_DATA_MARKER = "<images/launcher/*.py and catalog.json: checked against the files by tests/experiment-stacks.test.ts>";

export function updating(): boolean {
  return process.env.UPDATE_GOLDEN === "1";
}

function withoutLauncherData(object: Record<string, unknown>): Record<string, unknown> {
  return object.kind === "ConfigMap" ? { ...object, data: LAUNCHER_DATA_MARKER } : object;
}

/** File name → YAML text, for the manifests and Helm releases of a set of recorded resources. */
export function goldenFiles(resources: readonly RecordedResource[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of manifestsFrom(resources)) files[m.file] = stringify(withoutLauncherData(m.object), { lineWidth: 0 });
  for (const r of resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
    files[`release-${r.name}.yaml`] = stringify(r.inputs, { lineWidth: 0 });
  }
  return files;
}

/** Plain objects as if the program had registered them, for the pure path. */
export function asRecorded(objects: readonly Record<string, unknown>[]): RecordedResource[] {
  return objects.map((inputs, i) => ({ type: `kubernetes:${String(inputs.kind)}`, name: `object-${i}`, inputs, custom: true }));
}

/** Writes (UPDATE_GOLDEN=1) or reads the golden files of a stack: returns [expected, actual]. */
export function compareGolden(stack: string, actual: Record<string, string>): { expected: Record<string, string>; actual: Record<string, string> } {
  const dir = path.join(GOLDEN_DIR, stack);
  if (updating()) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(actual)) fs.writeFileSync(path.join(dir, file), text);
  }
  const expected: Record<string, string> = {};
  if (fs.existsSync(dir)) for (const file of fs.readdirSync(dir).sort()) expected[file] = fs.readFileSync(path.join(dir, file), "utf8");
  return { expected, actual };
}
