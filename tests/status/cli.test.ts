/**
 * `npm run status` and `npm run logs` as a user runs them: the real commands (tsx, the real
 * @kubernetes/client-node KubeConfig and HTTP) against stand-in API servers on 127.0.0.1, and once
 * through the real Automation API driving the stand-in `pulumi` of tests/reap/fake-pulumi.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findOnPath } from "../../reap/workspace";
import { ROOT, TSX } from "../helpers/cli";
import { FakeCluster, startFakeCluster } from "./fake-cluster";
import { SMOKE_LOG, ago, runningCluster, trainerPod, trainingJob } from "./fixtures";


const labelled = (o: object, experiment: string) => {
  const x = o as { metadata: { labels: Record<string, string> } };
  return { ...x, metadata: { ...x.metadata, labels: { ...x.metadata.labels, "gpu-training-clusters.io/experiment": experiment } } };
};
type Result = { status: number | null; stdout: string; stderr: string };

function run(tool: "status" | "logs", args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [`tools/${tool}.ts`, ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Like run(), but closes its end of stdout after the first output, as `| head -1` does. */
function runClosingStdout(tool: "logs", args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [`tools/${tool}.ts`, ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.once("data", (d) => {
      stdout += d;
      child.stdout.destroy();
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function expectOneLineError(r: Result, message: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim()).toMatch(message);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe("npm run status / npm run logs against stand-in clusters", () => {
  const now = new Date();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-cli-"));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  let running: FakeCluster;
  let multi: FakeCluster;
  let forbidden: FakeCluster;
  let streams: FakeCluster;
  let pending: FakeCluster;
  const r: Record<string, Result> = {};

  beforeAll(async () => {
    running = await startFakeCluster(runningCluster(now));
    const p4d = (name: string) => ({ metadata: { name, labels: { "node.kubernetes.io/instance-type": "p4d.24xlarge" } } });
    const worker = (i: number) => {
      const pod = trainerPod(now, { name: `llm-a100-2x8-${i}-q8r4z`, index: i, node: `p4d-${i}`, jobName: "llm-a100-2x8", startedMin: 10, namespace: "a100-2x8" }) as { metadata: { labels: Record<string, string> } };
      // Only the labels the Job controller sets: found through the Job, not our experiment label.
      return { ...pod, metadata: { ...pod.metadata, labels: { "batch.kubernetes.io/job-name": "llm-a100-2x8", "batch.kubernetes.io/job-completion-index": String(i) } } };
    };
    const llmJob = trainingJob(now, { name: "llm-a100-2x8", uid: "llm-uid", namespace: "a100-2x8" }) as { metadata: { labels: Record<string, string> } };
    multi = await startFakeCluster({
      jobs: [trainingJob(now), { ...llmJob, metadata: { ...llmJob.metadata, labels: { ...llmJob.metadata.labels, "gpu-training-clusters.io/experiment": "llm-a100-2x8", "gpu-training-clusters.io/stack": "a100-2x8" } } }],
      pods: [trainerPod(now), worker(0), worker(1)],
      nodes: [p4d("p4d-0"), p4d("p4d-1"), runningCluster(now).nodes![0]],
      logs: { "llm-a100-2x8-0-q8r4z": "rank 0 says hello\n", "llm-a100-2x8-1-q8r4z": "rank 1: step 10, 1234.5 tokens/s\n", "t4-smoke-x7k2p": SMOKE_LOG },
    });
    forbidden = await startFakeCluster({ status: 403 });
    // Two experiments' pods: t4-smoke's log breaks off while followed; a100-2x8's keeps going.
    const dripPod = trainerPod(now, { name: "llm-a100-2x8-0-drip", jobName: "llm-a100-2x8", namespace: "a100-2x8" }) as { metadata: { labels: Record<string, string> } };
    streams = await startFakeCluster({
      ...runningCluster(now),
      jobs: [trainingJob(now), labelled(trainingJob(now, { name: "llm-a100-2x8", uid: "llm-uid", namespace: "a100-2x8" }), "llm-a100-2x8")],
      pods: [trainerPod(now), labelled(dripPod, "llm-a100-2x8")],
      logs: { "t4-smoke-x7k2p": SMOKE_LOG, "llm-a100-2x8-0-drip": "rank 0 starts\n" },
      dropFollow: ["t4-smoke-x7k2p"],
      dripFollow: ["llm-a100-2x8-0-drip"],
    });
    // A pod still pulling its image, which has started by the time it is read again.
    const pendingPod = trainerPod(now, { phase: "Pending", status: { startTime: undefined, containerStatuses: [{ name: "trainer", image: "", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] } });
    pending = await startFakeCluster({ ...runningCluster(now), pods: [pendingPod], startsOnGet: { "t4-smoke-x7k2p": trainerPod(now) } });
    const closed = await startFakeCluster({});
    await closed.close();
    const kc = file("running.yaml", running.kubeconfig);
    const mkc = file("multi.yaml", multi.kubeconfig);
    const dead = file("dead.yaml", closed.kubeconfig);
    const denied = file("denied.yaml", forbidden.kubeconfig);
    // What `kubectl proxy` or a stand-in serves: plain http://, no insecure-skip-tls-verify.
    const bareHttp = file("bare.yaml", running.kubeconfig.replace(/, insecure-skip-tls-verify: true/, ""));
    const skc = file("streams.yaml", streams.kubeconfig);
    const pkc = file("pending.yaml", pending.kubeconfig);
    const state = file("state.json", JSON.stringify({ stacks: [{ name: "t4-smoke", resourceCount: 40, outputs: { kubeconfig: running.kubeconfig } }] }));
    const nodeDir = path.dirname(fs.realpathSync(findOnPath("node")!));
    const pulumiEnv = { ...process.env, PATH: [path.join(__dirname, "../reap/fake-pulumi"), nodeDir, "/usr/bin", "/bin"].join(path.delimiter), FAKE_PULUMI_STATE: state, FAKE_PULUMI_LOG: path.join(dir, "pulumi.log"), PULUMI_SKIP_UPDATE_CHECK: "true" };
    const jobs: [string, Promise<Result>][] = [
      ["status", run("status", ["t4-smoke", "--kubeconfig", kc])],
      ["json", run("status", ["t4-smoke", "--kubeconfig", kc, "--json"])],
      ["logs", run("logs", ["t4-smoke", "--kubeconfig", kc, "--rank", "0"])],
      ["tail", run("logs", ["t4-smoke", "--kubeconfig", kc, "--tail", "2", "--follow"])],
      ["unreachable", run("status", ["t4-smoke", "--kubeconfig", dead])],
      ["logsUnreachable", run("logs", ["t4-smoke", "--kubeconfig", dead, "--rank", "0"])],
      ["unknown", run("status", ["no-such-stack", "--kubeconfig", kc])],
      ["unknownLogs", run("logs", ["no-such-stack", "--kubeconfig", kc])],
      ["noRun", run("status", ["a100-8gpu", "--kubeconfig", kc])],
      ["denied", run("status", ["t4-smoke", "--kubeconfig", denied])],
      ["rank1", run("logs", ["a100-2x8", "--kubeconfig", mkc, "--rank", "1"])],
      ["noRank", run("logs", ["a100-2x8", "--kubeconfig", mkc, "--rank", "5"])],
      ["cluster", run("status", ["shared-cluster", "--kubeconfig", mkc])],
      ["automation", run("status", ["t4-smoke"], pulumiEnv)],
      ["automationMissing", run("status", ["a100-2x8"], pulumiEnv)],
      ["bareHttp", run("status", ["t4-smoke", "--kubeconfig", bareHttp])],
      ["bareHttpLogs", run("logs", ["t4-smoke", "--kubeconfig", bareHttp])],
      ["followDropped", run("logs", ["t4-smoke", "--kubeconfig", skc, "--follow"])],
      ["followClosed", runClosingStdout("logs", ["a100-2x8", "--kubeconfig", skc, "--follow"])],
      ["followPending", run("logs", ["t4-smoke", "--kubeconfig", pkc, "--follow"])],
    ];
    for (const [name, p] of jobs) r[name] = await p;
  }, 540_000);

  afterAll(async () => {
    await Promise.all([running.close(), multi.close(), forbidden.close(), streams.close(), pending.close()]);
  });

  it("status names the experiment, says it is running, where, for how long, the cost, the queue state and the throughput", () => {
    const out = r.status.stdout;
    expect(r.status.stderr).toBe("");
    expect(r.status.status).toBe(0);
    expect(out).toMatch(/^experiment t4-smoke {2}\(Job t4-smoke\/t4-smoke\)$/m);
    // The commands start slowly on a busy machine: times are at least the fixture's 42 minutes.
    expect(Number(/^ {2}state +running for (\d+)m \d+s \(since /m.exec(out)?.[1])).toBeGreaterThanOrEqual(42);
    expect(out).toMatch(/^ {2}where +ip-10-0-1-23\.ec2\.internal \(g4dn\.xlarge\)$/m);
    expect(Number(/^ {2}cost +\$(\d+\.\d\d) so far \(1 node: g4dn\.xlarge at \$0\.526\/h/m.exec(out)?.[1])).toBeGreaterThanOrEqual(0.37);
    expect(out).toMatch(/^ {2}queue +admitted to ClusterQueue gpu-t4 \(LocalQueue t4-smoke\)$/m);
    expect(out).toMatch(/^ {2}throughput 10537\.4 samples\/s \(rank 0\)$/m);
  });

  it("status reads by label in the training namespace, with Kueue v1beta2 and the node by name", () => {
    const paths = running.requests.join("\n");
    expect(paths).toContain("GET /apis/batch/v1/namespaces/t4-smoke/jobs?labelSelector=gpu-training-clusters.io%2Fexperiment%3Dt4-smoke");
    expect(paths).toContain("GET /api/v1/namespaces/t4-smoke/pods?labelSelector=gpu-training-clusters.io%2Fexperiment%3Dt4-smoke");
    expect(paths).toContain("GET /api/v1/nodes/ip-10-0-1-23.ec2.internal");
    expect(paths).toContain("GET /apis/kueue.x-k8s.io/v1beta2/namespaces/t4-smoke/workloads");
    expect(paths).toContain("GET /api/v1/namespaces/t4-smoke/pods/t4-smoke-x7k2p/log?container=trainer&tailLines=500");
  });

  it("--json: one document for scripts", () => {
    const doc = JSON.parse(r.json.stdout);
    expect(doc).toMatchObject({ stack: "t4-smoke", cluster: `http://127.0.0.1:${running.port}` });
    expect(doc.experiments[0]).toMatchObject({
      experiment: "t4-smoke",
      state: "running",
      queue: { state: "admitted", clusterQueue: "gpu-t4" },
      pods: [{ rank: 0, node: "ip-10-0-1-23.ec2.internal", instanceType: "g4dn.xlarge", phase: "Running", restarts: 0 }],
      progress: { throughput: { value: 10537.4, unit: "samples/s" } },
    });
    expect(doc.experiments[0].cost.dollars).toBeGreaterThan(0.36);
    expect(doc.experiments[0].elapsedSeconds).toBeGreaterThanOrEqual(42 * 60);
  });

  it("logs --rank 0 prints the pod's log; --tail and --follow pass through", () => {
    expect(r.logs).toMatchObject({ status: 0, stdout: `${SMOKE_LOG}\n`, stderr: "" });
    expect(r.tail).toMatchObject({ status: 0, stdout: `${SMOKE_LOG.split("\n").slice(-2).join("\n")}\n` });
    expect(running.requests).toContain("GET /api/v1/namespaces/t4-smoke/pods/t4-smoke-x7k2p/log?container=trainer&tailLines=2&follow=true");
  });

  it("an unreachable cluster and an unknown stack: one clear line each, exit 1, no stack trace", () => {
    expectOneLineError(r.unreachable, /^error: cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expectOneLineError(r.logsUnreachable, /^error: cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expectOneLineError(r.unknown, /^error: unknown stack "no-such-stack": there is no stacks\/Pulumi\.no-such-stack\.yaml \(stacks: a100-2x8, /);
    expectOneLineError(r.unknownLogs, /^error: unknown stack "no-such-stack"/);
  });

  it("an experiment with no run yet, and a refused request: one line each", () => {
    expectOneLineError(r.noRun, /^error: experiment resnet50-a100x8 \(stack a100-8gpu\) has no run yet on http:\/\/127\.0\.0\.1:\d+: no Job, JobSet or pod labelled gpu-training-clusters\.io\/experiment=resnet50-a100x8 in namespace a100-8gpu/);
    expectOneLineError(r.denied, /^error: permission denied \(403\) for GET \/apis\/batch\/v1\/namespaces\/t4-smoke\/jobs on http:\/\/127\.0\.0\.1:\d+: denied$/);
  });

  it("multi-node: logs of rank 1, found by the Job controller's labels; a missing rank is named", () => {
    expect(r.rank1).toMatchObject({ status: 0, stdout: "rank 1: step 10, 1234.5 tokens/s\n" });
    expectOneLineError(r.noRank, /^error: experiment llm-a100-2x8 has no rank 5 \(its pods are ranks 0, 1\)$/);
  });

  it("a cluster stack: every experiment on its cluster", () => {
    expect(r.cluster.status).toBe(0);
    expect(r.cluster.stdout).toMatch(/^experiment llm-a100-2x8 {2}\(Job a100-2x8\/llm-a100-2x8\)$/m);
    expect(r.cluster.stdout).toMatch(/^experiment t4-smoke {2}\(Job t4-smoke\/t4-smoke\)$/m);
    // Two p4d.24xlarge for at least 10 minutes: 2 x 21.96 / 6.
    expect(Number(/cost +\$(\d+\.\d\d) so far \(2 nodes: p4d\.24xlarge at \$21\.960\/h/.exec(r.cluster.stdout)?.[1])).toBeGreaterThanOrEqual(7.32);
    expect(r.cluster.stdout).toMatch(/^ {4}1 +llm-a100-2x8-1-q8r4z +p4d-1 +p4d\.24xlarge +Running/m);
  });

  it("without --kubeconfig: the stack's kubeconfig output through the Automation API (a stand-in pulumi)", () => {
    expect(r.automation.stderr).toBe("");
    expect(r.automation.stdout).toMatch(/^ {2}state +running for \d+m/m);
    expect(r.automation.stdout).toMatch(/^ {2}queue +admitted to ClusterQueue gpu-t4/m);
    const calls = fs.readFileSync(path.join(dir, "pulumi.log"), "utf8");
    expect(calls).toMatch(/"stack","output".*"--show-secrets"|"--show-secrets".*"stack","output"/);
  });

  it("a bare http:// kubeconfig (no insecure-skip-tls-verify) works, as with kubectl", () => {
    expect(r.bareHttp.stderr).toBe("");
    expect(r.bareHttp.status).toBe(0);
    expect(r.bareHttp.stdout).toMatch(/^ {2}state +running for \d+m/m);
    expect(r.bareHttpLogs).toMatchObject({ status: 0, stdout: `${SMOKE_LOG}\n` });
  });

  it("a Pulumi failure keeps its reason: the CLI's error line, not the exit code", () => {
    expectOneLineError(r.automationMissing, /^error: cannot read the outputs of stack a100-2x8 \(is `pulumi login` done and the stack deployed\?\): no stack named 'a100-2x8' found$/);
  });

  it("--follow: a stream that breaks off is one line; a reader that goes away is exit 0", () => {
    expect(r.followDropped.stdout).toBe(`${SMOKE_LOG}\n`);
    expectOneLineError({ ...r.followDropped, stdout: "" }, /^error: the log stream from http:\/\/127\.0\.0\.1:\d+ broke off: /);
    expect(r.followClosed.stdout).toMatch(/^rank 0 starts/);
    expect(r.followClosed.stderr).toBe("");
    expect(r.followClosed.status).toBe(0);
  });

  it("--follow on a pod that has not started: waits for it, then prints its log", () => {
    expect(r.followPending.status).toBe(0);
    expect(r.followPending.stdout).toBe(`${SMOKE_LOG}\n`);
    expect(r.followPending.stderr.trim()).toMatch(/^waiting up to \d+ s for pod t4-smoke-x7k2p to start\.\.\.$/);
    expect(pending.requests).toContain("GET /api/v1/namespaces/t4-smoke/pods/t4-smoke-x7k2p");
  });

  it("the stand-ins answered: the clock used for the fixtures is the test's", () => {
    expect(ago(now, 0)).toBe(now.toISOString());
  });
});
