/** Rules between `experiment.script` and `experiment.workdir` (the files themselves are checked when packed). */
import * as path from "path";
import { Problem, show } from "./errors";
import type { ExperimentInput } from "./schema";

export function workdirRules(experiment: ExperimentInput): Problem[] {
  const problems: Problem[] = [];
  const script = experiment.script;
  if (path.posix.isAbsolute(script)) return problems;
  if (!experiment.workdir) {
    problems.push({
      path: "experiment.script",
      message: `is a relative path, which names a file of experiment.workdir (got ${show(script)} and no workdir; set workdir to the directory that holds it, or give the script's absolute path in the image)`,
    });
  } else if (path.posix.normalize(script).startsWith("../") || path.posix.normalize(script) === "..") {
    problems.push({ path: "experiment.script", message: `must stay inside the workdir (got ${show(script)}; give its path relative to ${show(experiment.workdir)})` });
  }
  return problems;
}
