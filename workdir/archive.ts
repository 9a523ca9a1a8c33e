/**
 * Packs `experiment.workdir` into the archive that travels with the run: every file git would
 * ship (`.gitignore` rules, see ignore.ts), as a deterministic tar.gz (tar.ts). Problems (a
 * missing directory, a symbolic link, a directory too large to ship, a script that is not in
 * it) are returned, never thrown, so they join the stack's other problems.
 *
 * Paths: a relative workdir is relative to the project directory, the one holding Pulumi.yaml.
 * That is the working directory the Pulumi CLI runs the program in ("By default, the program's
 * working directory is assumed to be the location of Pulumi.yaml": the `main` attribute in
 * https://www.pulumi.com/docs/iac/concepts/projects/project-file/), and where `npm run plan`
 * and `npm run job:local` run it too, wherever the stack file is, so every command ships the
 * same directory. A stack file outside stacks/ does not change what a relative path means.
 */
import * as fs from "fs";
import * as path from "path";
import type { Problem } from "../config/errors";
import { show } from "../config/errors";
import { WorkdirSummary, humanBytes } from "../plan/workdir-summary";
import { credentialFileProblems } from "./credential-files";
import { IgnoreRule, isIgnored, parseIgnore } from "./ignore";
import { outerIgnoreRules } from "./repo-ignore";
import { TarEntry, deterministicGzip, sha256Hex, tarBytes } from "./tar";

/**
 * Largest workdir read at all: code and small configs, never checkpoints or datasets (those go
 * on volumes). Checked before anything is compressed, so a stray 5 GB file costs no time.
 */
export const MAX_WORKDIR_BYTES = 32 * 1024 * 1024;
export const MAX_WORKDIR_FILES = 5000;
/**
 * Largest compressed archive: it travels as a ConfigMap's binaryData, and the API server rejects
 * a ConfigMap whose data and binaryData add up to more than 1 MiB (decoded bytes; ValidateConfigMap
 * in kubernetes/kubernetes pkg/apis/core/validation/validation.go, `totalSize > core.MaxSecretSize`,
 * MaxSecretSize = 1 MiB in pkg/apis/core/types.go). 64 KiB stay free for the object's metadata.
 */
export const MAX_ARCHIVE_BYTES = 1024 * 1024 - 64 * 1024;
/** How many of the largest files a size problem names. */
const LARGEST_SHOWN = 5;

export interface WorkdirArchive {
  readonly summary: WorkdirSummary;
  /** The tar.gz. */
  readonly gzip: Buffer;
}

export function resolveWorkdir(projectDir: string, workdir: string): string {
  return path.resolve(projectDir, workdir);
}

/** A text file of the workdir (a requirements file setup installs), or undefined if it is not there. */
export function readWorkdirText(projectDir: string, workdir: string, file: string): string | undefined {
  const root = resolveWorkdir(projectDir, workdir);
  const target = path.resolve(root, file);
  if (path.relative(root, target).startsWith("..") || !fs.existsSync(target) || !fs.statSync(target).isFile()) return undefined;
  return fs.readFileSync(target, "utf8");
}


interface Walked {
  readonly files: { path: string; absolute: string; bytes: number; executable: boolean }[];
  readonly problems: Problem[];
}

function readIgnore(dir: string, base: string): IgnoreRule[] {
  const file = path.join(dir, ".gitignore");
  return fs.existsSync(file) ? parseIgnore(fs.readFileSync(file, "utf8"), base) : [];
}

function walk(root: string, at: string): Walked {
  const files: Walked["files"] = [];
  const problems: Problem[] = [];
  const visit = (dir: string, rel: string, rules: readonly IgnoreRule[]) => {
    const here = [...rules, ...readIgnore(dir, rel)];
    for (const name of fs.readdirSync(dir).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const absolute = path.join(dir, name);
      const stat = fs.lstatSync(absolute);
      if (isIgnored(here, relPath, stat.isDirectory())) continue;
      if (name.includes("\\")) {
        // The launcher refuses any archive member with a backslash (images/launcher/workdir.py
        // _safe_member), so the pod would fail at unpack: say so here, before anything is applied.
        problems.push({ path: at, message: `${relPath} has a backslash in its name, which the pod cannot unpack (rename it, or add it to .gitignore)` });
        continue;
      }
      if (stat.isDirectory()) visit(absolute, relPath, here);
      else if (stat.isFile()) files.push({ path: relPath, absolute, bytes: stat.size, executable: (stat.mode & 0o100) !== 0 });
      else if (stat.isSymbolicLink()) {
        problems.push({ path: at, message: `${relPath} is a symbolic link, which is not shipped (replace it with the file, or add it to .gitignore)` });
      } else {
        problems.push({ path: at, message: `${relPath} is not a regular file (add it to .gitignore)` });
      }
    }
  };
  // A workdir inside a git repository also honours the repository's rules from above it.
  visit(root, "", outerIgnoreRules(root));
  return { files, problems };
}

function largest(files: readonly { path: string; bytes: number }[]): string {
  return [...files]
    .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))
    .slice(0, LARGEST_SHOWN)
    .map((f) => `${f.path} (${humanBytes(f.bytes)})`)
    .join(", ");
}

const SIZE_FIX = "add them to .gitignore in the workdir, or put data and checkpoints on a dataset or output volume";

/**
 * Pack a workdir. `script`, when relative, must be one of the shipped files; files that look like
 * credentials ship only when `allow` lists them (credential-files.ts). Returns the archive, or the
 * problems that stop it (paths named as `experiment.workdir` / `experiment.script`).
 */
export function packWorkdir(projectDir: string, workdir: string, script?: string, allow: readonly string[] = []): { archive?: WorkdirArchive; problems: Problem[] } {
  const at = "experiment.workdir";
  const root = resolveWorkdir(projectDir, workdir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    const hint = path.isAbsolute(workdir) ? "" : `; a relative workdir is relative to the project directory ${projectDir}`;
    return { problems: [{ path: at, message: `is not a directory (got ${show(workdir)}, which resolves to ${root}${hint})` }] };
  }
  const walked = walk(root, at);
  const problems = [...walked.problems];
  const total = walked.files.reduce((n, f) => n + f.bytes, 0);
  if (walked.files.length > MAX_WORKDIR_FILES) {
    problems.push({ path: at, message: `holds ${walked.files.length} files, more than the ${MAX_WORKDIR_FILES} a run ships (largest: ${largest(walked.files)}; ${SIZE_FIX})` });
  }
  if (total > MAX_WORKDIR_BYTES) {
    problems.push({
      path: at,
      message: `holds ${humanBytes(total)} in ${walked.files.length} files, more than the ${humanBytes(MAX_WORKDIR_BYTES)} a run ships (largest: ${largest(walked.files)}; ${SIZE_FIX})`,
    });
  }
  if (script && !path.posix.isAbsolute(script) && !walked.files.some((f) => f.path === path.posix.normalize(script))) {
    const names = walked.files.slice(0, 10).map((f) => f.path).join(", ");
    problems.push({ path: "experiment.script", message: `is not a file of the workdir (got ${show(script)}; the workdir ships: ${names || "nothing"}${walked.files.length > 10 ? ", ..." : ""}; is it in .gitignore?)` });
  }
  problems.push(...credentialFileProblems(walked.files.map((f) => f.path), allow));
  if (problems.length > 0) return { problems };

  const entries: TarEntry[] = walked.files.map((f) => ({ path: f.path, data: fs.readFileSync(f.absolute), executable: f.executable }));
  const tar = tarBytes(entries);
  const gzip = deterministicGzip(tar);
  if (gzip.length > MAX_ARCHIVE_BYTES) {
    return {
      problems: [
        {
          path: at,
          message: `compresses to ${humanBytes(gzip.length)}, more than the ${humanBytes(MAX_ARCHIVE_BYTES)} a ConfigMap carries (Kubernetes limits a ConfigMap to 1 MiB; shipping larger workdirs through S3 is not supported yet; largest: ${largest(walked.files)}; ${SIZE_FIX})`,
        },
      ],
    };
  }
  return {
    archive: {
      summary: {
        path: workdir,
        files: walked.files.map((f) => ({ path: f.path, bytes: f.bytes })),
        bytes: total,
        archiveBytes: gzip.length,
        sha256: sha256Hex(tar),
        transport: "configmap",
      },
      gzip,
    },
    problems: [],
  };
}

/** The experiment's workdir packed, when it has one (no archive and no problems otherwise). */
export function packExperimentWorkdir(experiment: { workdir?: string; script: string; workdirAllow?: readonly string[] } | undefined, projectDir: string): { archive?: WorkdirArchive; problems: Problem[] } {
  if (!experiment?.workdir) return { problems: [] };
  return packWorkdir(projectDir, experiment.workdir, experiment.script, experiment.workdirAllow);
}
