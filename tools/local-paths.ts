/** How a local run stands in for the pod's file system and for its torch build. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ExperimentSpec } from "../config/spec";
import { CommandError, UsageError } from "./cli";

export interface LocalMount {
  readonly pod: string;
  readonly local: string;
  readonly note?: string;
  /** A dataset this machine stands in for with a folder of its own (no --mount given). */
  readonly standInDataset?: string;
}

/**
 * Datasets whose stand-in folder holds no files: the training script would find nothing to read,
 * and learn it only after its run (the smoke workload after its full --seconds). Refused up front
 * with the --mount that fixes it.
 */
export function emptyStandIns(table: readonly LocalMount[]): LocalMount[] {
  return table.filter((m) => m.standInDataset !== undefined && (!fs.existsSync(m.local) || fs.readdirSync(m.local).length === 0));
}

/** The launcher directory plus one local folder per volume the pod would mount. */
export function mountTable(
  experiment: ExperimentSpec,
  given: Readonly<Record<string, string>>,
  localRoot: string,
  launcherLocal: string,
  launcherPod: string,
): LocalMount[] {
  const volumes = [...experiment.datasets.map((v) => ({ v, role: "dataset" })), ...(experiment.output ? [{ v: experiment.output, role: "output" }] : [])];
  // A --mount the experiment has no volume for would be silently unused: say so instead.
  const podPaths = volumes.map(({ v }) => v.mountPath.replace(/\/+$/, ""));
  const unused = Object.keys(given).filter((p) => !podPaths.includes(p));
  if (unused.length > 0) {
    throw new UsageError(
      `--mount ${unused.join(", ")}: the experiment mounts no volume there (its volumes: ${podPaths.join(", ") || "none"}); ` +
        "to run your own code, set experiment.workdir to its directory and script to a file in it",
    );
  }
  return [
    { pod: launcherPod, local: launcherLocal },
    ...volumes.map(({ v, role }) => {
      const pod = v.mountPath.replace(/\/+$/, "");
      if (given[pod]) return { pod, local: given[pod] };
      const local = path.join(localRoot, v.name);
      return { pod, local, note: `${role} ${v.name} (${v.source.type}) is not mounted here: using ${local}; pass --mount ${pod}=DIR for real data`, standInDataset: role === "dataset" ? v.name : undefined };
    }),
  ];
}

/** Maps a pod path (or an argument that is one) to this machine, longest mount first. */
export function pathMapper(table: readonly LocalMount[]): (p: string) => string {
  const sorted = [...table].sort((a, b) => b.pod.length - a.pod.length);
  return (p) => {
    const m = sorted.find((t) => p === t.pod || p.startsWith(`${t.pod}/`));
    return m ? m.local + p.slice(m.pod.length) : p;
  };
}

export interface LocalPython {
  readonly python: string;
  /** Extra torch.distributed.run flags this torch needs. */
  readonly torchrunFlags: string[];
  /** This python's torch.__version__. */
  readonly torch: string;
}

function probeTorch(python: string): { ok: true; torch: string; py: [number, number] } | { ok: false; why: string } {
  const probe = spawnSync(python, ["-c", "import sys, torch; print(torch.__version__, sys.version_info[0], sys.version_info[1])"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return { ok: false, why: (probe.stderr || probe.error?.message || "").trim().split("\n").pop() ?? "" };
  const [torch, major, minor] = probe.stdout.trim().split(" ");
  return { ok: true, torch, py: [Number(major), Number(minor)] };
}

/** Project virtualenvs tried after --python and $GTC_PYTHON, before the system's python. */
export const PROJECT_VENVS = [".venv", "venv"];

/**
 * The pythons to try, in order: `--python`, else `$GTC_PYTHON`, else a virtualenv of the project
 * (.venv, venv) that exists, then the system's python3. A system python cannot `pip install`
 * (PEP 668: "externally-managed-environment"), so setups that install need a virtualenv.
 */
export function pythonCandidates(projectDir: string, given: string | undefined, env: NodeJS.ProcessEnv, exists: (p: string) => boolean): string[] {
  if (given) return [given];
  if (env.GTC_PYTHON) return [env.GTC_PYTHON];
  const venvs = PROJECT_VENVS.map((v) => path.join(projectDir, v, "bin", "python")).filter(exists);
  return [...venvs, "python3", "/usr/bin/python3"];
}

/** How to make a python with torch, in one line: a project virtualenv with the image's torch on CPU. */
export function venvHint(torchVersion: string | undefined): string {
  const pin = torchVersion ? `torch==${torchVersion}` : "torch";
  // PyTorch's CPU wheels: https://pytorch.org/get-started/locally/ (pip, Linux, CPU).
  return `python3 -m venv .venv && .venv/bin/pip install ${pin} --index-url https://download.pytorch.org/whl/cpu (job:local uses .venv by itself; or set GTC_PYTHON or --python)`;
}

/**
 * The first candidate python that imports torch, with the flags its launcher needs. Debian's
 * torch 1.13 launcher crashes on Python 3.11 unless its output is redirected and teed (a
 * packaging bug of that build); PyTorch 2.x needs no flags.
 */
export function resolvePython(candidates: readonly string[], imageTorch?: string): LocalPython {
  const tried: string[] = [];
  for (const python of candidates) {
    const found = probeTorch(python);
    if (!found.ok) {
      tried.push(`${python}: ${found.why || "no torch"}`);
      continue;
    }
    const torchMajor = Number(found.torch.split(".")[0]);
    const debianWorkaround = torchMajor < 2 && found.py[0] === 3 && found.py[1] >= 11;
    return { python, torch: found.torch, torchrunFlags: debianWorkaround ? ["--redirects=2", "--tee=2"] : [] };
  }
  throw new CommandError(`no python with torch found (${tried.join("; ")}); make one: ${venvHint(imageTorch)}`);
}

/** `major.minor` of a torch version (`2.8.0+cpu` → `2.8`). */
export function majorMinor(version: string): string {
  return version.split(/[.+]/).slice(0, 2).join(".");
}

/** A warning when the local torch is another major.minor than the image's, else undefined. */
export function torchMismatch(local: string, image: string | undefined): string | undefined {
  if (!image || majorMinor(local) === majorMinor(image)) return undefined;
  return `warning: this python's torch is ${local}, the image's is ${image}: APIs and defaults differ between ${majorMinor(local)} and ${majorMinor(image)}, so a run that works here may not on the cluster (${venvHint(image)})`;
}
