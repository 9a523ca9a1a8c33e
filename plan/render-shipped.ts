/** The plan text's lines for what travels with the run: workdir, setup commands, secret variables. */
import { humanBytes } from "./workdir-summary";
import type { ExperimentPlan } from "./plan";

/** Files listed one by one up to this many; then a count. */
const FILES_SHOWN = 20;

export function renderShipped(e: ExperimentPlan): string[] {
  const lines: string[] = [];
  const w = e.workdir;
  if (w) {
    lines.push(`workdir: ${w.path} -> ${w.files.length} file${w.files.length === 1 ? "" : "s"}, ${humanBytes(w.bytes)} (${humanBytes(w.archiveBytes)} tar.gz in a ConfigMap), sha256 ${w.sha256}`);
    for (const f of w.files.slice(0, FILES_SHOWN)) lines.push(`    ${f.path} (${humanBytes(f.bytes)})`);
    if (w.files.length > FILES_SHOWN) lines.push(`    ... and ${w.files.length - FILES_SHOWN} more (plan.json lists them all)`);
  }
  e.setup.forEach((command, i) => lines.push(`setup ${i + 1}/${e.setup.length}: ${command.trimEnd().replace(/\n/g, "\n      ")}`));
  if (e.secretEnv.length > 0) lines.push(`secretEnv: ${e.secretEnv.map((n) => `${n}=********`).join(" ")} (Pulumi secrets, in a Kubernetes Secret)`);
  return lines;
}
