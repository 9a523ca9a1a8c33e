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
