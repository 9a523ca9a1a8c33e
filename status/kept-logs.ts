/**
 * Each rank's log as the launcher keeps it on the output volume (images/launcher/keep_logs.py),
 * for `npm run logs --run NAME | --previous` once the run's pods, or the whole cluster, are gone.
 * Where it lies follows from the stack file alone: `<output>/logs/<experiment>/<run>/<pod>/
 * <torchrun's run dir>/attempt_<n>/<local rank>/{stdout,stderr}.log` (k8s/experiment.ts
 * rankLogsDir). A hostPath output is a folder this machine may have (a one-box cluster); an S3
 * output is named with its s3:// address (the project has no S3 client of its own); a claim or a
 * file system is named by volume and path.
 */
import * as fs from "fs";
import * as path from "path";
import type { ExperimentSpec } from "../config/spec";

export type KeptLogsPlace =
  | { readonly kind: "folder"; readonly dir: string }
  | { readonly kind: "s3"; readonly url: string }
  | { readonly kind: "volume"; readonly where: string };

/** The experiment's logs folder inside the output volume; a run's is `<this>/<run>`. */
export function experimentLogsPath(experiment: Pick<ExperimentSpec, "name">): string {
  return `logs/${experiment.name}`;
}

/** Where the logs of `run` (or, without one, of every run) are kept; undefined without an output volume. */
export function keptLogsPlace(experiment: Pick<ExperimentSpec, "name" | "output">, run?: string): KeptLogsPlace | undefined {
  const output = experiment.output;
  if (!output) return undefined;
  const inside = run ? `${experimentLogsPath(experiment)}/${run}` : experimentLogsPath(experiment);
  const source = output.source;
  switch (source.type) {
    case "hostPath":
      return { kind: "folder", dir: path.posix.join(source.path, inside) };
    case "s3":
      return { kind: "s3", url: `s3://${source.bucket}/${source.prefix ?? ""}${inside}/` };
    default:
      return { kind: "volume", where: `${inside}/ on the output volume ${output.name} (${source.type})` };
  }
}

/** One line saying where the logs are kept, for a place this command cannot read. */
export function keptLogsHint(place: KeptLogsPlace): string {
  switch (place.kind) {
    case "s3":
      return `its rank logs are kept in ${place.url}; npm run logs does not read S3 itself: aws s3 cp --recursive ${place.url} ./logs`;
    case "folder":
      return `its rank logs are kept in ${place.dir} on the node that ran it`;
    case "volume":
      return `its rank logs are kept in ${place.where}`;
  }
}

/** Run folders under an experiment's logs folder, newest first (by modification time). */
export function keptRuns(experimentDir: string): string[] {
  if (!fs.existsSync(experimentDir)) return [];
  return fs
    .readdirSync(experimentDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ name: d.name, at: fs.statSync(path.join(experimentDir, d.name)).mtimeMs }))
    .sort((a, b) => b.at - a.at || (a.name < b.name ? 1 : -1))
    .map((d) => d.name);
}

/**
 * The kept log files of one node rank of a run folder: its pods' folders (a JobSet pod's hostname,
 * which names the folder, is `<run>-node-0-<rank>`, an Indexed Job pod `<run>-<rank>-<suffix>`; a one-node run has
 * rank 0 only), every attempt and local rank, stdout before stderr. Undefined when the folder
 * does not exist.
 */
export function keptRankFiles(runDir: string, run: string, rank: number): string[] | undefined {
  if (!fs.existsSync(runDir)) return undefined;
  const pods = fs.readdirSync(runDir).filter((pod) => podRank(pod, run) === rank).sort();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".log")) files.push(full);
    }
  };
  for (const pod of pods) walk(path.join(runDir, pod));
  // Folder by folder; within one rank's folder stdout first.
  const key = (f: string) => `${path.dirname(f)}\u0000${path.basename(f) === "stdout.log" ? 0 : 1}${path.basename(f)}`;
  return files.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function podRank(pod: string, run: string): number {
  const rest = pod.startsWith(`${run}-`) ? pod.slice(run.length + 1) : pod;
  // A JobSet pod's hostname is `<run>-node-0-<i>` (no suffix): the launcher names the folder after it.
  const jobSet = /^node-0-(\d+)(?:-|$)/.exec(rest);
  if (jobSet) return Number(jobSet[1]);
  const indexed = /^(\d+)-[a-z0-9]+$/.exec(rest);
  return indexed ? Number(indexed[1]) : 0;
}

/** The files, each under a `==> path <==` line as `tail` prints several. */
export function renderKeptFiles(files: readonly string[]): string {
  return files.map((f) => `==> ${f} <==\n${fs.readFileSync(f, "utf8")}`).join("");
}
