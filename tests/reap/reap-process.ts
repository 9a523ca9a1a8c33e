/** `npm run reap` as a process: the real tools/reap.ts with the stand-in `pulumi` first on PATH. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findOnPath } from "../../reap/workspace";

const ROOT = path.resolve(__dirname, "../..");
const FAKE_PULUMI_DIR = path.join(__dirname, "fake-pulumi");

export function runReap(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npx", ["tsx", "tools/reap.ts", ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The environment for a run against the backend described in `stateFile`. */
export function fakePulumiEnv(stateFile: string): NodeJS.ProcessEnv {
  const nodeDir = path.dirname(fs.realpathSync(findOnPath("node")!));
  return { ...process.env, PATH: [FAKE_PULUMI_DIR, nodeDir, "/usr/bin", "/bin"].join(path.delimiter), FAKE_PULUMI_STATE: stateFile, PULUMI_SKIP_UPDATE_CHECK: "true" };
}

/** Every command the stand-in CLI ran, as its argument list. */
export function pulumiCalls(log: string): string[][] {
  return fs
    .readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as string[]);
}
