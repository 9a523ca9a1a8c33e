/**
 * The ignore rules git applies to a workdir from outside it, when the workdir lies in a git
 * repository: `$GIT_COMMON_DIR/info/exclude` and the `.gitignore` of every directory from the top
 * of the working tree down to the workdir's parent. gitignore(5) (https://git-scm.com/docs/gitignore,
 * DESCRIPTION): patterns of a `.gitignore` in the path's directory "or in any parent directory (up
 * to the top-level of the working tree)" match relative to that file's directory, lower files
 * override higher ones, and `info/exclude` ranks below all of them (it matches relative to the top).
 *
 * The top is the nearest directory at or above the workdir that holds `.git` (a directory, or a
 * file `gitdir: <path>` in a linked worktree or submodule, whose `commondir` file names the
 * directory holding `info/`: https://git-scm.com/docs/gitrepository-layout). Outside a repository
 * there are no such rules. The workdir itself is what the stack names, so rules match paths
 * inside it, never the workdir or its parents themselves. `core.excludesFile` is personal to one
 * machine and not read: a run must ship the same files wherever it is planned.
 */
import * as fs from "fs";
import * as path from "path";
import { IgnoreRule, parseIgnore } from "./ignore";

function readText(file: string): string | undefined {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** The directory holding `info/` of the repository whose working tree's top is `top`. */
function commonGitDir(top: string): string | undefined {
  const dotGit = path.join(top, ".git");
  if (fs.statSync(dotGit).isDirectory()) return dotGit;
  const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(readText(dotGit) ?? "")?.[1];
  if (!pointer) return undefined;
  const gitDir = path.resolve(top, pointer);
  const common = readText(path.join(gitDir, "commondir"))?.trim();
  return common ? path.resolve(gitDir, common) : gitDir;
}

/** The top of the working tree holding `dir`, or undefined outside a repository. */
export function workingTreeTop(dir: string): string | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (fs.existsSync(path.join(at, ".git"))) return at;
    if (path.dirname(at) === at) return undefined;
  }
}

/** Rules from outside the workdir `root`, in git's order (lowest precedence first). */
export function outerIgnoreRules(root: string): IgnoreRule[] {
  const top = workingTreeTop(root);
  if (top === undefined) return [];
  // The workdir's path below each ancestor: `a/b` below the top, `b` below `a`, ...
  const segments = path.relative(top, path.resolve(root)).split(path.sep).filter((s) => s !== "");
  const below = (depth: number) => segments.slice(depth).join("/");
  const gitDir = commonGitDir(top);
  const exclude = gitDir ? readText(path.join(gitDir, "info", "exclude")) : undefined;
  const rules = exclude ? parseIgnore(exclude, "", below(0)) : [];
  for (let depth = 0; depth < segments.length; depth++) {
    const text = readText(path.join(top, ...segments.slice(0, depth), ".gitignore"));
    if (text) rules.push(...parseIgnore(text, "", below(depth)));
  }
  return rules;
}
