/** The .gitignore matcher, rule by rule (https://git-scm.com/docs/gitignore, "PATTERN FORMAT"). */
import { isIgnored, parseIgnore } from "../workdir/ignore";

function ignored(gitignore: string, path: string, isDirectory = false): boolean {
  return isIgnored(parseIgnore(gitignore), path, isDirectory);
}

describe(".gitignore matcher", () => {
  it("matches a name without a slash at any depth", () => {
    expect(ignored("*.pt", "model.pt")).toBe(true);
    expect(ignored("*.pt", "checkpoints/epoch-1/model.pt")).toBe(true);
    expect(ignored("*.pt", "model.pth")).toBe(false);
    expect(ignored("__pycache__", "pkg/__pycache__", true)).toBe(true);
  });

  it("anchors a pattern with a leading or middle slash to its directory", () => {
    expect(ignored("/data", "data", true)).toBe(true);
    expect(ignored("/data", "src/data", true)).toBe(false);
    expect(ignored("doc/frotz", "doc/frotz", true)).toBe(true);
    expect(ignored("doc/frotz", "a/doc/frotz", true)).toBe(false);
  });

  it("matches directories only when the pattern ends with a slash", () => {
    expect(ignored("checkpoints/", "checkpoints", true)).toBe(true);
    expect(ignored("checkpoints/", "checkpoints", false)).toBe(false);
    expect(ignored("checkpoints/", "runs/checkpoints", true)).toBe(true);
  });

  it("keeps * and ? within one path segment", () => {
    expect(ignored("logs/*.txt", "logs/a.txt")).toBe(true);
    expect(ignored("logs/*.txt", "logs/deep/a.txt")).toBe(false);
    expect(ignored("run?.log", "run1.log")).toBe(true);
    expect(ignored("run?.log", "run/.log")).toBe(false);
  });

  it("supports ** as leading, trailing and middle segments", () => {
    expect(ignored("**/wandb", "a/b/wandb", true)).toBe(true);
    expect(ignored("**/wandb", "wandb", true)).toBe(true);
    expect(ignored("out/**", "out/x/y.bin")).toBe(true);
    expect(ignored("out/**", "out", true)).toBe(false);
    expect(ignored("a/**/b", "a/b")).toBe(true);
    expect(ignored("a/**/b", "a/x/y/b")).toBe(true);
    expect(ignored("a/**/b", "x/a/b")).toBe(false);
  });

  it("supports character classes, negated ones too", () => {
    expect(ignored("run[0-9].log", "run7.log")).toBe(true);
    expect(ignored("run[0-9].log", "runx.log")).toBe(false);
    expect(ignored("run[!0-9].log", "runx.log")).toBe(true);
  });

  it("lets the last match win, so ! re-includes", () => {
    const rules = "*.json\n!config.json\n";
    expect(ignored(rules, "metrics.json")).toBe(true);
    expect(ignored(rules, "config.json")).toBe(false);
    expect(ignored("!config.json\n*.json\n", "config.json")).toBe(true);
  });

  it("skips comments and blanks, honours escapes and trailing spaces", () => {
    expect(ignored("# comment\n\n", "# comment")).toBe(false);
    expect(ignored("\\#notes", "#notes")).toBe(true);
    expect(ignored("\\!important", "!important")).toBe(true);
    expect(ignored("build   ", "build", true)).toBe(true);
  });

  it("applies a nested .gitignore only below its directory", () => {
    const rules = [...parseIgnore("*.log\n"), ...parseIgnore("!keep.log\n/local\n", "sub")];
    expect(isIgnored(rules, "sub/keep.log", false)).toBe(false);
    expect(isIgnored(rules, "keep.log", false)).toBe(true);
    expect(isIgnored(rules, "sub/local", true)).toBe(true);
    expect(isIgnored(rules, "local", true)).toBe(false);
  });

  it("always ignores .git", () => {
    expect(ignored("", ".git", true)).toBe(true);
    expect(ignored("!.git", "vendor/.git", false)).toBe(true);
  });
});
