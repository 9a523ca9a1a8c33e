/** `npm run reap` as a user runs it: without the Pulumi CLI, --help, bad arguments. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "../../tools/reap";
import { findOnPath, requirePulumiCli } from "../../reap/workspace";

const ROOT = path.resolve(__dirname, "../..");

/** A PATH with node and npx but certainly no `pulumi`. */
function pathWithoutPulumi(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reap-path-"));
  for (const tool of ["node", "npx", "npm"]) {
    const real = findOnPath(tool);
    if (real) fs.symlinkSync(fs.realpathSync(real), path.join(dir, tool));
  }
  // npx is a script that finds npm-cli.js relative to itself; keep the real node dir after ours,
  // minus any directory that has a pulumi binary.
  const nodeDir = path.dirname(fs.realpathSync(findOnPath("node")!));
  const keep = [dir, nodeDir, "/usr/bin", "/bin"].filter((d) => !fs.existsSync(path.join(d, "pulumi")));
  return keep.join(path.delimiter);
}

function reap(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync("npx", ["tsx", "tools/reap.ts", ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
}

describe("npm run reap", () => {
  const PATH = pathWithoutPulumi();
  const env = { ...process.env, PATH };

  it("runs on a PATH that has no pulumi (the premise of the next test)", () => {
    expect(findOnPath("pulumi", env)).toBeUndefined();
    expect(() => requirePulumiCli(env)).toThrow(/^npm run reap needs the Pulumi CLI \(https:\/\/www\.pulumi\.com\/docs\/install\/\)/);
  });

  it("without the Pulumi CLI: exits 1 with a clear message and no stack trace", () => {
    const r = reap([], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: npm run reap needs the Pulumi CLI (https://www.pulumi.com/docs/install/): no `pulumi` on PATH.");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stdout).toBe("");
  });

  it("--yes without the Pulumi CLI destroys nothing and says the same", () => {
    const r = reap(["--yes"], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("needs the Pulumi CLI");
  });

  it("--help prints usage and exits 0, CLI or not", () => {
    const r = reap(["--help"], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run reap -- \[--yes\] \[--update-bound=MIN\] \[--pending-bound=MIN\]\n/);
    expect(r.stdout).toContain("--yes                destroy the stacks marked DESTROY");
    expect(r.stdout).toContain("--update-bound=MIN   an update holding a stack longer than this is stuck: exit 1 (default 120)");
    expect(r.stdout).toContain("docs/teardown.md");
  });

  it("rejects an unknown option with usage and exit 2", () => {
    const r = reap(["--force"], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: unknown option --force\n\nusage: npm run reap -- [--yes]");
  });

  it("rejects a bound that is not a whole number of minutes, naming the option and the value", () => {
    const r = reap(["--update-bound=2h"], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error: --update-bound: "2h" is not a whole number of minutes (allowed: 1 or more)');
  });
});

describe("reap arguments", () => {
  it("are a dry run by default, --yes to act", () => {
    expect(parseArgs([])).toEqual({ yes: false });
    expect(parseArgs(["--yes"])).toEqual({ yes: true });
    expect(parseArgs(["-y"])).toEqual({ yes: true });
    expect(parseArgs(["--yes", "--help"])).toBe("help");
    expect(() => parseArgs(["shared-cluster"])).toThrow("unknown argument shared-cluster");
    expect(parseArgs(["--update-bound=90", "--pending-bound=15", "--yes"])).toEqual({ yes: true, updateBoundMinutes: 90, pendingBoundMinutes: 15 });
    expect(() => parseArgs(["--pending-bound=0"])).toThrow('--pending-bound: "0" is not a whole number of minutes (allowed: 1 or more)');
  });
});
