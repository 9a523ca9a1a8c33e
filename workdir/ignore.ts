/**
 * A small `.gitignore` matcher, so the workdir ships what `git add` would and never a
 * checkpoint directory or a virtualenv the user already ignores. It follows the rules of
 * https://git-scm.com/docs/gitignore ("PATTERN FORMAT"):
 *
 * - blank lines and lines starting with `#` match nothing; `\#` and `\!` escape those characters;
 *   trailing spaces are dropped unless escaped with a backslash;
 * - `!` re-includes what an earlier pattern excluded (but nothing inside an excluded directory:
 *   the walker never descends into one, as git does);
 * - a `/` at the start or in the middle anchors the pattern to the `.gitignore`'s directory;
 *   otherwise it matches at any depth; a trailing `/` matches directories only;
 * - `*` and `?` never match `/`; `[...]` is a character class (`[!...]` negated);
 * - `**` as a whole segment: a leading `**​/` matches in every directory, a trailing `/**`
 *   everything inside, `/**​/` zero or more directories.
 * The last matching pattern wins, and a deeper `.gitignore` comes after the ones above it.
 * Pure: text in, rules out; tests/workdir-ignore.test.ts checks each rule.
 */

export interface IgnoreRule {
  /** Directory of the `.gitignore` the rule came from, relative to the workdir ("" at the top). */
  readonly base: string;
  /**
   * For a `.gitignore` above the workdir (workdir/repo-ignore.ts): the workdir's path relative to
   * that file's directory, put in front of each path matched. Empty otherwise.
   */
  readonly above?: string;
  readonly pattern: string;
  readonly negate: boolean;
  readonly directoryOnly: boolean;
  readonly regex: RegExp;
}

/** Git never ships its own directory; neither do we. */
export const ALWAYS_IGNORED = [".git"];

function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === " " && !(end > 1 && line[end - 2] === "\\")) end--;
  return line.slice(0, end);
}

function escapeRegex(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** A glob body (no leading `/`, no trailing `/`) as a regex source matched against a whole path. */
function globToRegex(glob: string): string {
  const segments = glob.split("/");
  let out = "";
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "**") {
      // Leading `**/` or middle `/**/`: zero or more directories. Trailing `/**`: anything inside.
      out += last ? ".*" : "(?:[^/]*/)*";
      return;
    }
    for (let j = 0; j < segment.length; j++) {
      const c = segment[j];
      if (c === "\\" && j + 1 < segment.length) {
        out += escapeRegex(segment[++j]);
      } else if (c === "*") {
        while (segment[j + 1] === "*") j++; // `**` inside a segment is an ordinary `*`
        out += "[^/]*";
      } else if (c === "?") {
        out += "[^/]";
      } else if (c === "[") {
        const close = segment.indexOf("]", j + 2);
        if (close === -1) {
          out += "\\[";
          continue;
        }
        let body = segment.slice(j + 1, close);
        const negated = body.startsWith("!") || body.startsWith("^");
        if (negated) body = body.slice(1);
        out += `[${negated ? "^/" : ""}${body.replace(/\\/g, "\\\\").replace(/\]/g, "\\]")}]`;
        j = close;
      } else {
        out += escapeRegex(c);
      }
    }
    if (!last) out += "/";
  });
  return out;
}

/**
 * One `.gitignore` file's rules; `base` is its directory relative to the workdir, or for a file
 * above the workdir, `above` is the workdir relative to the file's directory.
 */
export function parseIgnore(text: string, base = "", above = ""): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = trimTrailingSpaces(rawLine);
    if (line === "" || line.startsWith("#")) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith("\\!") || line.startsWith("\\#")) {
      line = line.slice(1);
    }
    const directoryOnly = line.endsWith("/");
    if (directoryOnly) line = line.replace(/\/+$/, "");
    if (line === "") continue;
    // A separator at the start or in the middle anchors the pattern to its .gitignore's directory.
    const anchored = line.includes("/");
    const body = line.replace(/^\/+/, "");
    const source = anchored || body.startsWith("**/") ? globToRegex(body) : `(?:[^/]*/)*${globToRegex(body)}`;
    rules.push({ base, ...(above ? { above } : {}), pattern: rawLine.trim(), negate, directoryOnly, regex: new RegExp(`^${source}$`) });
  }
  return rules;
}

/**
 * Whether `path` (relative to the workdir, `/`-separated) is ignored. The caller checks each
 * directory before descending into it, so a path inside an ignored directory never gets here.
 */
export function isIgnored(rules: readonly IgnoreRule[], path: string, isDirectory: boolean): boolean {
  const name = path.split("/").pop()!;
  if (ALWAYS_IGNORED.includes(name)) return true;
  let ignored = false;
  for (const rule of rules) {
    if (rule.directoryOnly && !isDirectory) continue;
    let relative = path;
    if (rule.base !== "") {
      if (!path.startsWith(`${rule.base}/`)) continue;
      relative = path.slice(rule.base.length + 1);
    }
    if (rule.above) relative = `${rule.above}/${relative}`;
    if (rule.regex.test(relative)) ignored = !rule.negate;
  }
  return ignored;
}
