/**
 * `npm run reap` end to end on what Kueue, JobSet and a killed or failed teardown leave behind:
 * the real Automation API driving the stand-in `pulumi` (tests/reap/fake-pulumi/pulumi), the real
 * Kubernetes client reading stand-in API servers on localhost. The stack files are the project's.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeKubeApi, kubeconfigFor, startFakeKubeApi } from "./fake-kube-api";
import { KUEUE_CLUSTER } from "./kueue-objects";
import { fakePulumiEnv, pulumiCalls, runReap } from "./reap-process";

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const EKS = { type: "aws:eks/cluster:Cluster", urn: "urn:pulumi:my-first-run::gpu-training-clusters::aws:eks/cluster:Cluster::my-first-run-eks" };
const VPC = { type: "aws:ec2/vpc:Vpc", urn: "urn:pulumi:shared-cluster::gpu-training-clusters::aws:ec2/vpc:Vpc::shared-cluster-vpc" };
/** An EKS endpoint name that resolves nowhere (.invalid, RFC 2606): what a deleted cluster's endpoint does. */
const GONE_KUBECONFIG = kubeconfigFor(1).replace("http://127.0.0.1:1", "https://0123456789ABCDEF.gr7.us-east-1.eks.invalid");
const DEPENDENCY_VIOLATION = [
  "update failed",
  "  aws:ec2:Vpc (shared-cluster-vpc):",
  "    error: deleting EC2 VPC (vpc-0abc): operation error EC2: DeleteVpc, https response error StatusCode: 400, RequestID: 5f1e, api error DependencyViolation: The vpc 'vpc-0abc' has dependencies and cannot be deleted.",
].join("\n");

describe("npm run reap on queued work and on stuck, failed and half-done teardowns", () => {
  let queued: FakeKubeApi;
  let idle: FakeKubeApi;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The Kueue cluster's objects are dated relative to a fixed day; the clock of this run is the wall clock,
    // so only what does not depend on the age is asserted on it.
    queued = await startFakeKubeApi(KUEUE_CLUSTER);
    idle = await startFakeKubeApi({});
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "reap-e2e-teardown-"));
    fs.writeFileSync(
      path.join(dir, "state.json"),
      JSON.stringify({
        stacks: [
          // Its cluster holds only queued and backed-off work, and a deactivated JobSet.
          { name: "t4-smoke", lastUpdate: ago(3000), resourceCount: 48, outputs: { kubeconfig: queued.kubeconfig }, resources: [] },
          // A reaper killed mid-destroy 3 hours ago left the lock held.
          { name: "a100-2x8", updateInProgress: true, updateStartedAt: ago(180), resourceCount: 61, outputs: { kubeconfig: idle.kubeconfig }, resources: [] },
          // The last destroy deleted the EKS cluster, then failed; its endpoint no longer resolves.
          { name: "my-first-run", lastUpdate: ago(30), resourceCount: 12, outputs: { kubeconfig: GONE_KUBECONFIG }, resources: [VPC], history: [{ kind: "destroy", result: "failed", startTime: ago(70), endTime: ago(30), version: 9 }] },
          // Idle; its destroy fails on a VPC something outside the stack still uses.
          { name: "shared-cluster", lastUpdate: ago(3000), resourceCount: 52, outputs: { kubeconfig: idle.kubeconfig }, resources: [EKS, VPC], destroyStderr: DEPENDENCY_VIOLATION },
        ],
      }),
    );
    env = fakePulumiEnv(path.join(dir, "state.json"));
  });

  afterAll(async () => {
    await queued.close();
    await idle.close();
  });

  it("--yes keeps queued work, turns a stuck update red, retries the gone cluster and prints a failed destroy whole", async () => {
    const log = path.join(dir, "yes.log");
    const r = await runReap(["--yes"], { ...env, FAKE_PULUMI_LOG: log });
    expect(r.stderr).not.toMatch(/^\s+at /m);

    // Queued work is work; the deactivated JobSet is reported for a person.
    expect(r.stdout).toContain("t4-smoke (cluster)  KEEP");
    expect(r.stdout).toContain("idle:      no: GPU work queued");
    expect(r.stdout).toMatch(/2 GPU workloads queued in Kueue \(ml\/job-sweep-a-3f2c1 \(Job sweep-a\): waiting for quota \[WaitingForQuota: couldn't assign flavors/);
    expect(r.stdout).toContain("ml/job-train-b-9d8e7 (Job train-b): in requeue backoff after an eviction until 2026-12-01 12:03 UTC (requeue 2)");
    expect(r.stdout).toContain("Kueue will not admit ml/jobset-big-run-77aa1 (JobSet big-run): deactivated [Deactivated: The workload is deactivated due to Exceeded the maximum number of re-queuing retries]");
    expect(r.stdout).toMatch(/not busy: {2}ml\/dev-0 Pending \S.* \(ImagePullBackOff\): over the 30-min bound/);

    // The held lock past the bound: one line with what to do.
    expect(r.stdout).toMatch(/a100-2x8 \(cluster\) {2}KEEP\n(?:.*\n)*? {2}why: {7}an update has held the stack since .* \(3h 0\dm, over the 120-min bound\): if no `pulumi` process still runs on it, run `pulumi cancel --stack a100-2x8 --yes`, then re-run npm run reap/);

    // The gone cluster is destroyed again, with the Kubernetes provider told to drop the dead endpoint's objects.
    expect(r.stdout).toContain("my-first-run (cluster)  DESTROY");
    expect(r.stdout).toContain("why:       its last destroy failed and its cluster endpoint no longer resolves: nothing can run there, so the destroy is retried");
    const destroys = pulumiCalls(log).filter((a) => a[0] === "destroy");
    const stackOf = (a: string[]) => a[a.indexOf("--stack") + 1];
    expect(destroys.map(stackOf)).toEqual(["my-first-run", "shared-cluster"]);
    expect(destroys[0]).toContain("env:PULUMI_K8S_DELETE_UNREACHABLE=true");
    expect(destroys[1]).not.toContain("env:PULUMI_K8S_DELETE_UNREACHABLE=true");
    expect(r.stdout).toContain("destroyed my-first-run");

    // The failed destroy: the whole error, classified, and the next step; not "code: 255".
    // The stand-in writes "error: " before its message, as the CLI does.
    expect(r.stdout).toContain(`FAILED to destroy shared-cluster (dependency-violation):\n  error: ${DEPENDENCY_VIOLATION.split("\n").join("\n  ")}\n  next: something created outside the stack still uses`);
    expect(r.stdout).not.toContain("code: 255");
    // What it left billing, from its state after the failure.
    expect(r.stdout).toContain("  left billing: EKS control plane my-first-run-eks, about $73.00/month: still in the state after the failed destroy");

    // What outlives the queued cluster, reported and never deleted.
    expect(r.stdout).toContain("  left:      EBS volume vol-0a1b2c3d4e5f60718 (500 GiB) of claim ml/a100-outputs, made outside the stack, about $40.00/month");
    expect(r.stdout).toContain("  left:      LoadBalancer Service ml/tensorboard (a1b2-tensorboard.elb.us-east-1.amazonaws.com), about $16.43/month");

    expect(r.stdout).toContain("Needs a person: t4-smoke, a100-2x8 (kept; see why above).");
    expect(r.status).toBe(1);
  }, 120_000);
});
