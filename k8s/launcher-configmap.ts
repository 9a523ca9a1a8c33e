/**
 * The launcher (preflight, torchrun wrapper, smoke workload) as a ConfigMap, mounted read-only at
 * /opt/gtc in every training pod: the public, digest-pinned PyTorch image runs it unchanged, so
 * there is no image of ours to build, push or pin. The file contents are read from
 * images/launcher/ by the component; this builder only shapes them.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { LAUNCHER_CATALOG_FILE } from "../catalog/launcher-facts";
import { experimentLabels } from "./labels";

/**
 * Files the Job's command needs; others next to them (helper modules) travel along. The preflight
 * reads its driver and build tables from catalog.json (generated from catalog/).
 */
export const REQUIRED_LAUNCHER_FILES = ["launch.py", "preflight.py", "smoke.py", LAUNCHER_CATALOG_FILE] as const;

/** ConfigMaps hold at most 1 MiB (etcd's object limit); keep well under it. */
export const MAX_LAUNCHER_BYTES = 900 * 1024;

export interface LauncherConfigMapInput {
  readonly name: string;
  readonly namespace: string;
  readonly experiment: string;
  readonly stack: string;
  /** File name → contents. */
  readonly files: Readonly<Record<string, string>>;
}

export function launcherProblems(files: Readonly<Record<string, string>>): string[] {
  const fix = (f: string) => (f === LAUNCHER_CATALOG_FILE ? " (npm run generate writes it from catalog/)" : "");
  const problems = REQUIRED_LAUNCHER_FILES.filter((f) => !(f in files)).map((f) => `images/launcher/${f} is missing${fix(f)}`);
  const bytes = Object.values(files).reduce((n, text) => n + Buffer.byteLength(text, "utf8"), 0);
  if (bytes > MAX_LAUNCHER_BYTES) problems.push(`images/launcher/ holds ${bytes} bytes; a ConfigMap carries at most ${MAX_LAUNCHER_BYTES}`);
  return problems;
}

export function buildLauncherConfigMap(input: LauncherConfigMapInput): IConfigMap {
  const problems = launcherProblems(input.files);
  if (problems.length > 0) throw new Error(`launcher ConfigMap: ${problems.join("; ")}`);
  // Sorted keys: the same files always give the same object (golden files, no spurious diffs).
  const data = Object.fromEntries(Object.keys(input.files).sort().map((k) => [k, input.files[k]]));
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: input.name, namespace: input.namespace, labels: experimentLabels(input.experiment, input.stack, "launcher") },
    data,
  };
}
