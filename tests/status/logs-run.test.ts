/** `npm run logs --run NAME | --previous`: the log of a chosen run of the experiment, not only the newest. */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, TSX } from "../helpers/cli";
import { FakeCluster, startFakeCluster } from "./fake-cluster";
import { trainerPod, trainingJob } from "./fixtures";

jest.setTimeout(120_000);

function logs(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ["tools/logs.ts", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("npm run logs --run / --previous", () => {
  const now = new Date();
  let cluster: FakeCluster;
  let kubeconfig: string;
  beforeAll(async () => {
    // The stack's run from two hours ago, then an exec run ten minutes ago.
    cluster = await startFakeCluster({
      jobs: [trainingJob(now, { name: "t4-smoke-5923c8", uid: "u-stack", createdMin: 120 }), trainingJob(now, { name: "t4-smoke-xabcde", uid: "u-exec", createdMin: 10 })],
      pods: [trainerPod(now, { name: "stack-pod", jobName: "t4-smoke-5923c8", startedMin: 119 }), trainerPod(now, { name: "exec-pod", jobName: "t4-smoke-xabcde", startedMin: 9 })],
      logs: { "stack-pod": "the stack's run\n", "exec-pod": "the exec run\n" },
    });
    kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "logs-run-")), "config");
    fs.writeFileSync(kubeconfig, cluster.kubeconfig);
  });
  afterAll(() => cluster.close());

  it("prints the newest run by default, the one before with --previous, any by name with --run", async () => {
    expect((await logs(["t4-smoke", "--kubeconfig", kubeconfig])).stdout).toBe("the exec run\n");
    expect((await logs(["t4-smoke", "--kubeconfig", kubeconfig, "--previous"])).stdout).toBe("the stack's run\n");
    expect((await logs(["t4-smoke", "--kubeconfig", kubeconfig, "--run", "t4-smoke-5923c8"])).stdout).toBe("the stack's run\n");
  });

  it("names the runs there are when the one asked for is not on the cluster", async () => {
    const r = await logs(["t4-smoke", "--kubeconfig", kubeconfig, "--run", "t4-smoke-x00000"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "error: experiment t4-smoke has no run t4-smoke-x00000 on the cluster (its runs, newest first: t4-smoke-xabcde, t4-smoke-5923c8; a finished exec run is deleted a day after it ends)\n",
    );
    const both = await logs(["t4-smoke", "--kubeconfig", kubeconfig, "--run", "a", "--previous"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("error: --run and --previous name one run together");
  });
});

describe("npm run logs --run / --previous after the pods, or the cluster, are gone", () => {
  const now = new Date();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logs-kept-"));
  const outputs = path.join(dir, "outputs");
  // An S3 output needs an EKS cluster (a stack that creates one); a hostPath one, machines of an existing cluster.
  const stackFile = (name: string, output: string) => {
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    const cluster = output.includes("s3")
      ? `  aws:region: us-east-1\n  gpu-training-clusters:nodePools: [{ name: box, gpu: t4 }]\n`
      : `  gpu-training-clusters:cluster: { mode: existing }\n  gpu-training-clusters:nodePools: [{ name: box, gpu: rtx4090, maxNodes: 1, driverVersion: "570.172.08", hostPathPrefixes: [${JSON.stringify(dir)}] }]\n`;
    fs.writeFileSync(
      file,
      `config:
${cluster}  gpu-training-clusters:experiment:
    name: lab
    pool: box
    output: { name: out, mountPath: /outputs, source: ${output} }
`,
    );
    return file;
  };
  const keep = (run: string, pod: string, rank: number, text: string, ageMin: number) => {
    const folder = path.join(outputs, "logs", "lab", run, pod, "none_k2j4", "attempt_0", String(rank));
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, "stdout.log"), `${text} (stdout)\n`);
    fs.writeFileSync(path.join(folder, "stderr.log"), `${text} (stderr)\n`);
    const at = new Date(now.getTime() - ageMin * 60_000);
    fs.utimesSync(path.join(outputs, "logs", "lab", run), at, at);
  };
  let cluster: FakeCluster;
  let kubeconfig: string;
  let gone: string;
  beforeAll(async () => {
    keep("lab-aaaaaa", "lab-aaaaaa-x7k2p", 0, "old run rank 0", 120);
    keep("lab-bbbbbb", "lab-bbbbbb-q1w2e", 0, "newer run rank 0", 10);
    // A cluster that has none of these runs any more, and one that is gone altogether.
    cluster = await startFakeCluster({ jobs: [trainingJob(now, { name: "lab-cccccc", uid: "c" })], pods: [] });
    kubeconfig = path.join(dir, "config");
    fs.writeFileSync(kubeconfig, cluster.kubeconfig.replace(/t4-smoke/g, "lab"));
    gone = path.join(dir, "gone");
    fs.writeFileSync(gone, cluster.kubeconfig.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9"));
  });
  afterAll(() => cluster.close());

  it("reads a run the cluster no longer has from the hostPath folder, stdout then stderr of each rank", async () => {
    const stack = stackFile("lab", `{ type: hostPath, path: ${outputs} }`);
    const r = await logs([stack, "--kubeconfig", kubeconfig, "--run", "lab-aaaaaa"]);
    expect(r.status).toBe(0);
    const file = (stream: string) => path.join(outputs, "logs", "lab", "lab-aaaaaa", "lab-aaaaaa-x7k2p", "none_k2j4", "attempt_0", "0", `${stream}.log`);
    expect(r.stdout).toBe(`==> ${file("stdout")} <==\nold run rank 0 (stdout)\n==> ${file("stderr")} <==\nold run rank 0 (stderr)\n`);
    expect(r.stderr).toContain("the cluster does not show run lab-aaaaaa (experiment lab has no run lab-aaaaaa on the cluster");
  });

  it("with the cluster gone, --previous is the second newest run folder", async () => {
    const stack = stackFile("lab", `{ type: hostPath, path: ${outputs} }`);
    const r = await logs([stack, "--kubeconfig", gone, "--previous"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("old run rank 0 (stdout)");
    expect(r.stdout).not.toContain("newer run");
  });

  it("an S3 output: one line with the cluster's error and the exact s3:// address to read", async () => {
    const stack = stackFile("lab-s3", "{ type: s3, bucket: lab-out, prefix: runs/ }");
    const r = await logs([stack, "--kubeconfig", kubeconfig, "--run", "lab-aaaaaa"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: experiment lab has no run lab-aaaaaa on the cluster .*; its rank logs are kept in s3:\/\/lab-out\/runs\/logs\/lab\/lab-aaaaaa\/; npm run logs does not read S3 itself: aws s3 cp --recursive s3:\/\/lab-out\/runs\/logs\/lab\/lab-aaaaaa\/ \.\/logs\n$/);
  });

  it("a run kept nowhere readable: the cluster's error, naming where it would be", async () => {
    const stack = stackFile("lab", `{ type: hostPath, path: ${outputs} }`);
    const r = await logs([stack, "--kubeconfig", kubeconfig, "--run", "lab-zzzzzz"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`; its rank logs are kept in ${path.join(outputs, "logs", "lab", "lab-zzzzzz")} on the node that ran it`);
  });
});
