/**
 * `npm run job:local` against a real torch.distributed.run on CPU (gloo): the launcher, the
 * preflight and the smoke workload run exactly as the Job would run them, paths mapped locally.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseLocalArgs } from "../tools/job-local";
import { pathMapper, pythonCandidates, torchMismatch } from "../tools/local-paths";
import { ROOT, TSX } from "./helpers/cli";

const STACK = path.join(__dirname, "fixtures", "Pulumi.local-smoke.yaml");

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
    // Each rank's log kept as the Job keeps it: <output>/logs/<experiment>/<run>/<host>/..., on the local output folder.
    const runs = fs.readdirSync(path.join(outputs, "logs", "local-smoke"));
    expect(runs).toEqual([expect.stringMatching(/^local-smoke-[0-9a-f]{6}$/)]);
    const kept = fs.readdirSync(path.join(outputs, "logs", "local-smoke", runs[0]), { recursive: true }).map(String);
    expect(kept.filter((f) => f.endsWith("stderr.log")).length).toBeGreaterThan(0);
    // GTC_CHECKPOINT_DIR as the Job sets it (the experiment's folder on the output volume), on the local output folder.
    const checkpoint = new RegExp(`job:local: GTC_CHECKPOINT_DIR=(${outputs}/checkpoints/local-smoke) \\(the Job's /outputs/checkpoints/local-smoke\\)`).exec(run.stderr);
    expect(checkpoint).not.toBeNull();
    expect(fs.statSync(checkpoint![1]).isDirectory()).toBe(true);
    // The image has torch 2.8: a local torch of another major.minor is named, once.
    // The local torch of the python job:local picks (the first of python3, /usr/bin/python3 with torch).
    const local = ["python3", "/usr/bin/python3"].map((py) => spawnSync(py, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" })).find((r) => r.status === 0)!.stdout.trim();
    const warnings = run.stderr.split("\n").filter((l) => l.startsWith("job:local: warning: this python's torch"));
    expect(warnings).toEqual(/^2\.8[.+]/.test(local) ? [] : [expect.stringContaining(`torch is ${local}, the image's is 2.8.0`)]);
  });

  it("stops in the preflight, before torchrun, when a dataset folder the user named is missing", () => {
    const missing = path.join(os.tmpdir(), `gtc-missing-${process.pid}`);
    const run = jobLocal([STACK, "--mount", `/data/sample=${missing}`, "--nproc", "1"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).not.toMatch(/Traceback|launch: run/);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it("ships the workdir archive, runs the setup in it, then the user's script under torchrun", () => {
    const run = jobLocal([path.join(__dirname, "fixtures", "Pulumi.first-run-local.yaml")]);
    const all = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, tail: all.slice(-2000) }).toMatchObject({ status: 0 });
    const unpacked = path.join(ROOT, "out", "first-run-local", "local", "workdir");
    expect(run.stderr).toMatch(/job:local: workdir examples\/my-first-run: 3 files, .* sha256 [0-9a-f]{64} \(the archive the Job ships\)/);
    expect(all).toContain(`launch: workdir: 3 files unpacked into ${unpacked}`);
    expect(all.indexOf("launch: setup 1/2")).toBeLessThan(all.indexOf("launch: run"));
    expect(all).toContain(`SETUP_OK in ${unpacked}`);
    // One worker: the experiment has one GPU per node (gpusPerNode: 1), as on the cluster.
    expect(run.stderr).toMatch(/ --nnodes=1 --nproc_per_node=1 /);
    expect(all).toContain(`TRAIN_DONE world_size=1 cwd=${unpacked}`);
  });

  it("runs a multi-node experiment as one launcher per node with static node ranks", () => {
    const run = jobLocal([path.join(__dirname, "fixtures", "Pulumi.first-run-2nodes.yaml"), "--nproc", "1"]);
    const all = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, tail: all.slice(-2000) }).toMatchObject({ status: 0 });
    for (const rank of [0, 1]) {
      expect(run.stderr).toMatch(new RegExp(`job:local node ${rank}: .* -- --nnodes=2 --nproc_per_node=1 --node_rank=${rank} --master_addr=127\\.0\\.0\\.1 --master_port=\\d+ `));
      expect(all).toContain(`SETUP_NODE ${path.join(ROOT, "out", "first-run-2nodes", "local", `node-${rank}`, "workdir")}`);
    }
    expect(all).toContain("TRAIN_DONE world_size=2");
  });

  it("fails with one line naming the setup command that failed, before torchrun", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-stack-"));
    const stack = path.join(dir, "Pulumi.setup-fails.yaml");
    fs.writeFileSync(
      stack,
      fs.readFileSync(path.join(__dirname, "fixtures", "Pulumi.first-run-local.yaml"), "utf8")
        .replace("workdir: examples/my-first-run", `workdir: ${path.join(ROOT, "examples", "my-first-run")}`)
        .replace(/    setup:\n(      - .*\n)+/, "    setup: exit 7\n"),
    );
    const run = jobLocal(["--stack-file", stack, "--nproc", "1"]);
    expect(run.status).toBe(2);
    expect(run.stderr.split("\n").filter((l) => l.startsWith("launch: error:"))).toEqual([
      "launch: error: setup command 1/1 exit 7 exited with 7; fix the command or its inputs and run again",
    ]);
    expect(run.stdout).not.toContain("launch: run");
  });

  it("refuses a --mount the experiment has no volume for, instead of ignoring it", () => {
    const run = jobLocal([STACK, "--mount", `/code=${os.tmpdir()}`]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("error: --mount /code: the experiment mounts no volume there (its volumes: /data/sample, /outputs); to run your own code, set experiment.workdir");
  });

  it("refuses at once, in one line naming the --mount, a dataset it would only stand in for with an empty folder", () => {
    const run = jobLocal(["a100-8gpu"]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining("pass --mount /data/imagenet=DIR")]);
    expect(run.stderr).not.toMatch(/Traceback|launch: run/);
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

  it("tries --python, else $GTC_PYTHON, else the project's virtualenv, then the system's python3", () => {
    const exists = (p: string) => p === "/p/.venv/bin/python";
    expect(pythonCandidates("/p", "/x/python", { GTC_PYTHON: "/g/python" }, exists)).toEqual(["/x/python"]);
    expect(pythonCandidates("/p", undefined, { GTC_PYTHON: "/g/python" }, exists)).toEqual(["/g/python"]);
    expect(pythonCandidates("/p", undefined, {}, exists)).toEqual(["/p/.venv/bin/python", "python3", "/usr/bin/python3"]);
    expect(pythonCandidates("/p", undefined, {}, () => false)).toEqual(["python3", "/usr/bin/python3"]);
  });

  it("says in one line how to make a python with torch when none has it", () => {
    const run = jobLocal([path.join(__dirname, "fixtures", "Pulumi.first-run-local.yaml"), "--python", "/nonexistent/python3"]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n").filter((l) => l.startsWith("error:"))).toEqual([
      "error: no python with torch found (/nonexistent/python3: spawnSync /nonexistent/python3 ENOENT); make one: python3 -m venv .venv && .venv/bin/pip install torch==2.8.0 --index-url https://download.pytorch.org/whl/cpu (job:local uses .venv by itself; or set GTC_PYTHON or --python)",
    ]);
    expect(run.stderr).not.toContain("usage:");
  });

  it("warns when the local torch's major.minor is not the image's", () => {
    expect(torchMismatch("2.8.1+cpu", "2.8.0")).toBeUndefined();
    expect(torchMismatch("1.13.1", "2.8.0")).toMatch(/^warning: this python's torch is 1\.13\.1, the image's is 2\.8\.0: .* between 1\.13 and 2\.8/);
    expect(torchMismatch("1.13.1", undefined)).toBeUndefined();
  });

  it("parses --mount and defaults the pythons to try", () => {
    const args = parseLocalArgs([STACK, "--mount", "/data/=./x", "--nproc", "3"], {});
    expect(args).toMatchObject({ nproc: 3, pythons: ["python3", "/usr/bin/python3"] });
    expect(args !== "help" && args.mounts["/data"]).toBe(path.resolve("x"));
  });
});
