/**
 * Run by read.test.ts with tsx (the client is ESM-only and Jest's CommonJS sandbox cannot import
 * it): stand-in API servers read through the real @kubernetes/client-node KubeConfig and HTTP.
 * Prints one JSON object: each scenario's result, or the error it threw.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { connectKube } from "../../status/kube-client";
import { experimentNamespaces, readRun, readRunPods } from "../../status/read";
import { renderStatus } from "../../status/render";
import { buildStatus } from "../../status/report";
import { FakeCluster, startFakeCluster } from "./fake-cluster";
import { ADMITTED, runningCluster, trainerPod, trainingJob, workload } from "./fixtures";
import { SWEEP_ENV_ANNOTATION, SWEEP_LABEL, SWEEP_POINT_LABEL } from "../../k8s/sweep";

const now = new Date();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-read-"));
const started: FakeCluster[] = [];

async function cluster(state: Parameters<typeof startFakeCluster>[0]): Promise<FakeCluster> {
  const c = await startFakeCluster(state);
  started.push(c);
  return c;
}

const bare = (port: number, user = "{ token: t0k3n }", extra = "") => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}"${extra} } }]
users: [{ name: u, user: ${user} }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

const labelled = (job: object, experiment: string) => {
  const j = job as { metadata: { labels: Record<string, string> } };
  return { ...j, metadata: { ...j.metadata, labels: { ...j.metadata.labels, "gpu-training-clusters.io/experiment": experiment } } };
};
const waiting = [{ type: "QuotaReserved", status: "False", reason: "Pending", message: "insufficient quota" }];
const queuedJob = () => {
  const j = trainingJob(now, { status: { active: 0 } }) as { spec: object };
  return { ...j, spec: { ...j.spec, suspend: true } };
};
const names = (objects: readonly { metadata?: { name?: string } }[]) => objects.map((o) => o.metadata?.name);

async function status(c: FakeCluster, text = c.kubeconfig) {
  const s = buildStatus(await readRun(await connectKube({ text, origin: "test" }), "t4-smoke", "t4-smoke"), now)!;
  return { state: s.state, queue: s.queue, pods: s.pods, dollars: s.cost.dollars ?? null, text: renderStatus(s, now), requests: c.requests };
}

const scenarios: Record<string, () => Promise<unknown>> = {
  async prefix() {
    const c = await cluster({ jobs: [labelled(trainingJob(now, { name: "sweep-lr-b", uid: "b" }), "sweep-lr-b")], pods: [] });
    const kube = await connectKube({ text: c.kubeconfig, origin: "test" });
    return { sweepLr: names((await readRunPods(kube, "t4-smoke", "sweep-lr")).jobs), sweepLrB: names((await readRunPods(kube, "t4-smoke", "sweep-lr-b")).jobs) };
  },
  async otherStack() {
    // Another stack's experiment of the same name, in that stack's namespace, with a newer run.
    const theirs = trainingJob(now, { name: "t4-smoke-9f9f9f", uid: "theirs", createdMin: 1, namespace: "team-b" });
    const c = await cluster({ jobs: [trainingJob(now), theirs], pods: [trainerPod(now), trainerPod(now, { name: "theirs-pod", jobName: "t4-smoke-9f9f9f", namespace: "team-b" })] });
    const kube = await connectKube({ text: c.kubeconfig, origin: "test" });
    const mine = await readRunPods(kube, "t4-smoke", "t4-smoke");
    return { jobs: names(mine.jobs), pods: names(mine.pods), everywhere: await experimentNamespaces(kube, "t4-smoke") };
  },
  async exactName() {
    const job = trainingJob(now, { name: "sweep-lr", uid: "a" }) as { metadata: object };
    const c = await cluster({ jobs: [{ ...job, metadata: { ...job.metadata, labels: {} } }], pods: [] });
    return names((await readRunPods(await connectKube({ text: c.kubeconfig, origin: "test" }), "t4-smoke", "sweep-lr")).jobs);
  },
  async refusedOptional() {
    return status(await cluster({ ...runningCluster(now), forbidden: ["/api/v1/nodes", "/apis/jobset.x-k8s.io", "/apis/kueue.x-k8s.io"] }));
  },
  async refusedPods() {
    return status(await cluster({ ...runningCluster(now), forbidden: ["/api/v1/namespaces/t4-smoke/pods"] }));
  },
  async v1beta1() {
    const pending = { "t4-smoke": [{ metadata: { name: "other" }, positionInLocalQueue: 0 }, { metadata: { name: "job-t4-smoke-3b1f7" }, positionInLocalQueue: 1, positionInClusterQueue: 2 }] };
    return status(await cluster({ jobs: [queuedJob()], pods: [], workloads: [workload(now, waiting, { admitted: false })], kueueVersion: "v1beta1", pending }));
  },
  async visibilityRefused() {
    return status(await cluster({ jobs: [queuedJob()], pods: [], workloads: [workload(now, waiting, { admitted: false })], pending: { "t4-smoke": [] }, forbidden: ["/apis/visibility.kueue.x-k8s.io"] }));
  },
  async replaced() {
    const old = workload(now, [{ type: "Finished", status: "True", reason: "Failed" }], { name: "job-t4-smoke-aaaaa" }) as { metadata: Record<string, unknown> };
    const oldOwned = { ...old, metadata: { ...old.metadata, labels: {}, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "t4-smoke", uid: "old-uid" }] } };
    const both = await status(await cluster({ ...runningCluster(now), workloads: [oldOwned, workload(now, ADMITTED(now))] }));
    const onlyOld = await status(await cluster({ ...runningCluster(now), workloads: [oldOwned] }));
    return { both: both.queue, onlyOld: onlyOld.queue };
  },
  async bareHttp() {
    const c = await cluster(runningCluster(now));
    return (await status(c, bare(c.port))).state;
  },
  async relativeCa() {
    const c = await cluster(runningCluster(now));
    const sub = fs.mkdtempSync(path.join(dir, "kc-"));
    fs.writeFileSync(path.join(sub, "ca.crt"), "not used over plain HTTP\n");
    fs.writeFileSync(path.join(sub, "config"), bare(c.port, "{ token: t0k3n }", ", certificate-authority: ca.crt"));
    const kube = await connectKube({ files: [path.join(sub, "config")], origin: "test" });
    return names((await readRunPods(kube, "t4-smoke", "t4-smoke")).pods);
  },
  async looseCa() {
    const c = await cluster(runningCluster(now));
    const kube = await connectKube({ text: bare(c.port, "{ token: t0k3n }", ", certificate-authority: ca.crt"), origin: "loose.yaml" });
    return kube.getJson("/api/v1/nodes");
  },
  async merged() {
    const c = await cluster(runningCluster(now));
    const a = path.join(dir, "a.yaml");
    const b = path.join(dir, "b.yaml");
    fs.writeFileSync(a, "apiVersion: v1\nkind: Config\ncontexts: [{ name: x, context: { cluster: c, user: u } }]\nusers: [{ name: u, user: { token: t } }]\ncurrent-context: x\n");
    fs.writeFileSync(b, `apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "http://127.0.0.1:${c.port}" } }]\n`);
    const kube = await connectKube({ files: [a, b], origin: `${a}:${b}` });
    return { server: kube.server, port: c.port, jobs: names((await readRunPods(kube, "t4-smoke", "t4-smoke")).jobs) };
  },
  async sweep() {
    // Three runs of one grid (one ended, one running, one Kueue still holds) and an older run outside it.
    const point = (name: string, createdMin: number, lr: string, over: { status?: object; suspend?: boolean } = {}) => {
      const j = trainingJob(now, { name, uid: name, createdMin, status: over.status }) as { metadata: { labels: object; annotations?: object }; spec: object };
      return {
        ...j,
        metadata: { ...j.metadata, labels: { ...j.metadata.labels, [SWEEP_LABEL]: "5e2a1c", [SWEEP_POINT_LABEL]: `p-${lr}` }, annotations: { [SWEEP_ENV_ANNOTATION]: JSON.stringify({ LEARNING_RATE: lr }) } },
        spec: { ...j.spec, ...(over.suspend ? { suspend: true } : {}) },
      };
    };
    const complete = { active: 0, succeeded: 1, conditions: [{ type: "Complete", status: "True", lastTransitionTime: now.toISOString() }] };
    const c = await cluster({
      jobs: [
        trainingJob(now, { name: "t4-smoke-0ld000", uid: "old", createdMin: 90, status: complete }),
        point("t4-smoke-aaa111", 45, "1e-4", { status: complete }),
        point("t4-smoke-bbb222", 44, "3e-4", { status: { active: 1, ready: 1 } }),
        point("t4-smoke-ccc333", 43, "1e-3", { status: { active: 0 }, suspend: true }),
      ],
      pods: [],
    });
    const s = buildStatus(await readRun(await connectKube({ text: c.kubeconfig, origin: "test" }), "t4-smoke", "t4-smoke"), now)!;
    return { name: s.name, sweep: s.sweep, text: renderStatus(s, now) };
  },
  async execMissing() {
    const c = await cluster(runningCluster(now));
    const exec = "{ exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: gtc-no-such-aws, args: [eks, get-token], interactiveMode: Never } }";
    return status(c, bare(c.port, exec));
  },
};

async function main() {
  const out: Record<string, unknown> = {};
  for (const [name, scenario] of Object.entries(scenarios)) {
    try {
      out[name] = { ok: await scenario() };
    } catch (e) {
      out[name] = { error: e instanceof Error ? e.message : String(e), kind: e instanceof Error ? e.name : typeof e };
    }
  }
  await Promise.all(started.map((c) => c.close()));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main();
