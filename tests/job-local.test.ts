/**
 * `npm run job:local` against a real torch.distributed.run on CPU (gloo): the launcher, the
 * preflight and the smoke workload run exactly as the Job would run them, paths mapped locally.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseLocalArgs } from "../tools/job-local";
import { pathMapper } from "../tools/local-paths";

const ROOT = path.resolve(__dirname, "..");
const STACK = path.join(__dirname, "fixtures", "Pulumi.local-smoke.yaml");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function jobLocal(args: string[]) {
  return spawnSync(TSX, [path.join(ROOT, "tools", "job-local.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });
}

describe("npm run job:local", () => {
  it("runs the experiment's launch command on CPU and the smoke workload reports its throughput", () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-data-"));
    fs.writeFileSync(path.join(data, "shard-0.bin"), Buffer.alloc(256 * 1024, 7));
    const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-out-"));
    const run = jobLocal([STACK, "--mount", `/data/sample=${data}`, "--mount", `/outputs=${outputs}`]);
    const all = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, tail: all.slice(-2000) }).toMatchObject({ status: 0 });
    // The exact command is printed, with the stack's arguments mapped to this machine.
    expect(run.stderr).toContain(`--dataset=${data}`);
    expect(run.stderr).toMatch(/-- --nnodes=1 --nproc_per_node=2 --rdzv_backend=c10d --rdzv_endpoint=127\.0\.0\.1:\d+ /);
    expect(all).toMatch(/preflight: ok/);
    const line = all.split("\n").find((l) => l.startsWith("SMOKE_RESULT "));
    expect(line).toBeDefined();
    const result = JSON.parse(line!.slice("SMOKE_RESULT ".length));
    expect(result).toMatchObject({ world_size: 2, backend: "gloo", ok: true });
    expect(result.samples_per_s_total).toBeGreaterThan(0);
    expect(result.allreduce_busbw_gbps).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(outputs, "ckpt")).length).toBeGreaterThan(0);
  });

  it("stops in the preflight, before torchrun, when a dataset folder the user named is missing", () => {
    const missing = path.join(os.tmpdir(), `gtc-missing-${process.pid}`);
    const run = jobLocal([STACK, "--mount", `/data/sample=${missing}`, "--nproc", "1"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).not.toMatch(/Traceback|launch: exec/);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it("refuses at once, in one line naming the --mount, a dataset it would only stand in for with an empty folder", () => {
    const started = Date.now();
    const run = jobLocal(["a100-8gpu"]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining("pass --mount /data/imagenet=DIR")]);
    expect(run.stderr).not.toMatch(/Traceback|launch: exec/);
    // The torch launch alone takes longer than this; the smoke run it replaces took minutes.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it("rejects bad arguments with usage", () => {
    const run = jobLocal(["--nproc", "zero"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("error: --nproc must be an integer from 1 to 64 (got zero)");
    expect(run.stderr).toContain("usage: npm run job:local");
  });
});

describe("local path mapping", () => {
  it("maps pod paths by the longest mount and leaves others alone", () => {
    const map = pathMapper([
      { pod: "/opt/gtc", local: "/repo/images/launcher" },
      { pod: "/data", local: "/tmp/d" },
      { pod: "/data/big", local: "/mnt/big" },
    ]);
    expect(map("/opt/gtc/smoke.py")).toBe("/repo/images/launcher/smoke.py");
    expect(map("/data/big/x")).toBe("/mnt/big/x");
    expect(map("/data")).toBe("/tmp/d");
    expect(map("/database")).toBe("/database");
    expect(map("--lr")).toBe("--lr");
  });

  it("parses --mount and defaults the pythons to try", () => {
    const args = parseLocalArgs([STACK, "--mount", "/data/=./x", "--nproc", "3"], {});
    expect(args).toMatchObject({ nproc: 3, pythons: ["python3", "/usr/bin/python3"] });
    expect(args !== "help" && args.mounts["/data"]).toBe(path.resolve("x"));
  });
});
