/**
 * Rules between `experiment.script` and `experiment.workdir` (the files themselves are checked when
 * packed), and the shape of `experiment.setup`.
 */
import * as path from "path";
import { Problem, show } from "./errors";
import type { ExperimentInput } from "./schema";

export function workdirRules(experiment: ExperimentInput): Problem[] {
  const problems: Problem[] = [];
  if (!experiment.workdir && (experiment.workdirAllow ?? []).length > 0) {
    problems.push({ path: "experiment.workdirAllow", message: `lists files of a workdir, and there is none (got ${show(experiment.workdirAllow)}; set experiment.workdir, or remove workdirAllow)` });
  }
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

/**
 * Each setup item is one shell command (the launcher runs it with `sh -c`, images/launcher). An item
 * that is a flag (`--upgrade`) runs as a command of that name and fails; a list of single words
 * (`["pip", "install", "torch"]`, the exec form of a Dockerfile) runs each word as a command of its
 * own, so `install` and `torch` fail with "not found" in every pod, after the nodes are paid for.
 */
/** Programs that do nothing useful alone: a list starting with one is a command split into words. */
const ARGUMENT_TAKERS = ["pip", "pip3", "python", "python3", "uv", "conda", "mamba", "apt-get", "apt", "bash", "sh", "git", "wget", "curl", "mkdir", "cp", "mv", "ln", "export"];

export function setupRules(experiment: ExperimentInput): Problem[] {
  const setup = experiment.setup;
  if (setup === undefined) return [];
  const items = typeof setup === "string" ? [setup] : setup;
  const problems: Problem[] = [];
  const word = (c: string) => /^\S+$/.test(c.trim());
  // Single-word commands exist (`nvidia-smi`), so a list of words is the exec form only when it
  // reads as one command: a later word is a flag, or the first is a program that takes arguments.
  const execForm =
    Array.isArray(setup) && setup.length > 1 && setup.every(word) && (setup.slice(1).some((w) => w.startsWith("-")) || ARGUMENT_TAKERS.includes(path.posix.basename(setup[0].trim())));
  if (execForm) {
    return [
      {
        path: "experiment.setup",
        message: `is a list of single words (got ${show(setup)}), which runs each word as a command of its own; each item is one shell command (use ${show(setup.join(" "))})`,
      },
    ];
  }
  items.forEach((c, i) => {
    const at = typeof setup === "string" ? "experiment.setup" : `experiment.setup[${i}]`;
    const t = c.trim();
    if (t.startsWith("-")) {
      problems.push({ path: at, message: `is a flag, not a command (got ${show(c)}; each item is one shell command, e.g. "pip install --upgrade torchvision")` });
      return;
    }
    // One word that names a package pin or a file is not a command the shell can run ("not found").
    if (!word(t) || t.startsWith("./") || t.startsWith("/")) return;
    const meant = /[=<>~]=|[<>]/.test(t)
      ? `pip install '${t}'`
      : /\.(txt)$/.test(t)
        ? `pip install -r ${t}`
        : /\.(py)$/.test(t)
          ? `python ${t}`
          : /\.(sh)$/.test(t)
            ? `bash ${t}`
            : /\.(whl|toml|cfg|ya?ml|json)$/.test(t)
              ? `pip install ${t.endsWith(".whl") ? t : "."}`
              : undefined;
    if (meant) problems.push({ path: at, message: `is a package pin or a file name, not a command (got ${show(c)}; each item is one shell command, e.g. ${show(meant)})` });
  });
  return problems;
}
