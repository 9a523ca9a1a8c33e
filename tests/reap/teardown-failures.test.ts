/** Stuck and failed teardowns: a held lease turns red, a failed destroy is printed whole and classified, a gone cluster is retried. */
import { classifyDestroyError, errorText } from "../../reap/destroy-errors";
import { KubeAccessError, StackResource } from "../../reap/types";
import { World, decisionOf, minutesAgo, workload } from "./fakes";

/** What the Automation API throws for a failed CLI command (@pulumi/pulumi automation/cmd.js CommandResult.toString). */
const commandError = (stderr: string) => new Error(`code: 255\n stdout: Destroying (lab)\n\n stderr: ${stderr}\n err?: Error: Command failed with exit code 255: pulumi destroy --yes --skip-preview\n`);
const EKS: StackResource = { type: "aws:eks/cluster:Cluster", urn: "urn:pulumi:lab::gpu-training-clusters::aws:eks/cluster:Cluster::lab-eks", retainOnDelete: false, protect: false };
const VPC: StackResource = { type: "aws:ec2/vpc:Vpc", urn: "urn:vpc", retainOnDelete: false, protect: false };
const dnsGone = () => new KubeAccessError("unreachable", "cannot reach https://ABC.gr7.us-east-1.eks.amazonaws.com to list pods in all namespaces: request to https://ABC.gr7.us-east-1.eks.amazonaws.com/api/v1/pods failed, reason: getaddrinfo ENOTFOUND ABC.gr7.us-east-1.eks.amazonaws.com");

describe("an update holding a stack", () => {
  const updating = (startedMinutesAgo: number | undefined) => {
    const w = new World().cluster("lab", { updateInProgress: true });
    w.workspace.stacks.get("lab")!.deployed = { name: "lab", updateInProgress: true, resourceCount: 40 };
    w.workspace.stacks.get("lab")!.history = startedMinutesAgo === undefined ? [] : [{ kind: "destroy", result: "in-progress", startTime: minutesAgo(startedMinutesAgo) }];
    return w;
  };

  it("within the bound is an update in progress: kept, exit 0", async () => {
    const r = await updating(30).run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "updating", reason: "an update is in progress since 2026-11-20 11:30 UTC" });
    expect(r.exitCode).toBe(0);
  });

  it("past the bound (default 2 h) is stuck: the run fails with one line saying what to do", async () => {
    const w = updating(185);
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({
      action: "keep",
      code: "stuck-update",
      reason: "an update has held the stack since 2026-11-20 08:55 UTC (3h 05m, over the 120-min bound): if no `pulumi` process still runs on it, run `pulumi cancel --stack lab --yes`, then re-run npm run reap",
    });
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.exitCode).toBe(1);
    expect(r.text).toContain("Needs a person: lab (kept; see why above).");
  });

  it("takes the bound from the caller", async () => {
    expect(decisionOf(await updating(185).runWith({ yes: false, updateBoundMinutes: 240 }), "lab").code).toBe("updating");
  });

  it("shows the GPU work on the cluster whatever its first reason", async () => {
    const w = updating(185);
    w.kube.clusters.set("kubeconfig-of-lab", { workloads: [workload("job-q", "waiting", { cause: "quota" })] });
    const r = await w.run(false);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "stuck-update" });
    expect(r.text).toContain("  idle:      no: GPU work queued");
  });

  it("whose start the backend does not record stays an update in progress", async () => {
    const r = await updating(undefined).run(false);
    expect(decisionOf(r, "lab")).toMatchObject({ code: "updating", reason: "an update is in progress" });
  });
});

describe("a failed destroy", () => {
  const failing = (stderr: string) => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600) });
    w.workspace.stacks.get("lab")!.destroyError = commandError(stderr);
    return w;
  };

  it("prints the whole Pulumi error, classified, with the next step", async () => {
    const stderr = [
      "error: update failed",
      "  aws:ec2:Vpc (lab-vpc):",
      "    error: deleting EC2 VPC (vpc-0abc): operation error EC2: DeleteVpc, https response error StatusCode: 400, RequestID: 1, api error DependencyViolation: The vpc 'vpc-0abc' has dependencies and cannot be deleted.",
    ].join("\n");
    const r = await failing(stderr).run(true);
    expect(r.exitCode).toBe(1);
    expect(r.failed).toEqual([{ stack: "lab", kind: "dependency-violation", error: stderr }]);
    expect(r.text).toContain(`FAILED to destroy lab (dependency-violation):\n  error: update failed\n    aws:ec2:Vpc (lab-vpc):\n      error: deleting EC2 VPC (vpc-0abc)`);
    expect(r.text).toContain("  next: something created outside the stack still uses a resource of it");
    expect(r.text).not.toContain("code: 255");
  });

  it.each([
    ["lock-held", "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.", "run `pulumi cancel --stack lab --yes`"],
    ["lock-held", "error: [409] Conflict: Another update is currently in progress.", "pulumi cancel"],
    ["access-denied", "error: deleting EKS Node Group: AccessDeniedException: User: arn:aws:sts::1:assumed-role/reaper/x is not authorized to perform: eks:DeleteNodegroup", "docs/teardown.md"],
    ["expired-credentials", "error: operation error EC2: DescribeVpcs, https response error StatusCode: 400, api error RequestExpired: Request has expired.", "refresh them"],
    ["expired-credentials", "error: api error ExpiredToken: The security token included in the request is expired", "refresh them"],
    ["other", "error: something new", "read the error above"],
  ])("is classified %s", (kind, stderr, next) => {
    const f = classifyDestroyError(commandError(stderr), "lab");
    expect(f.kind).toBe(kind);
    expect(f.text).toBe(stderr);
    expect(f.next).toContain(next);
  });

  it("keeps a plain error's whole message", () => {
    expect(errorText(new Error("line one\nline two"))).toBe("line one\nline two");
  });
});

describe("a stack whose cluster is gone", () => {
  const gone = (opts: { history?: { kind: string; result: string }[]; resources?: StackResource[] } = {}) => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(20), state: dnsGone(), resources: opts.resources ?? [EKS, VPC] });
    w.workspace.stacks.get("lab")!.history = (opts.history ?? [{ kind: "destroy", result: "failed" }]).map((h) => ({ ...h, startTime: minutesAgo(25) }));
    return w;
  };

  it("after a failed destroy is destroyed again, not kept as unreadable, with the Kubernetes objects of the dead endpoint dropped", async () => {
    const w = gone().experiment("sweep", "lab");
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "destroy", code: "cluster-gone" });
    expect(decisionOf(r, "lab").reason).toMatch(/^its last destroy failed and its cluster endpoint no longer resolves: nothing can run there/);
    expect(decisionOf(r, "sweep")).toMatchObject({ action: "destroy", code: "cluster-gone" });
    expect(w.workspace.destroyed).toEqual(["sweep", "lab"]);
    expect(w.workspace.destroyOptions).toEqual([{ clusterGone: true }, { clusterGone: true }]);
    expect(r.exitCode).toBe(0);
  });

  it("whose state has no EKS cluster left is destroyed too", async () => {
    const w = gone({ history: [{ kind: "update", result: "succeeded" }], resources: [VPC] });
    expect(decisionOf(await w.run(true), "lab").code).toBe("cluster-gone");
    expect(w.workspace.destroyed).toEqual(["lab"]);
  });

  it("is still kept when only the name fails to resolve (a DNS outage is not a deleted cluster)", async () => {
    const w = gone({ history: [{ kind: "update", result: "succeeded" }] });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "unreadable" });
    expect(r.exitCode).toBe(1);
  });

  it("is still kept when protected", async () => {
    const w = gone();
    w.cluster("lab", { idle: { protected: true }, lastUpdate: minutesAgo(20), state: dnsGone(), resources: [VPC] });
    expect(decisionOf(await w.run(true), "lab")).toMatchObject({ action: "keep", code: "protected" });
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("is not destroyed when its endpoint answers again just before", async () => {
    const w = gone();
    const original = w.workspace.outputs.bind(w.workspace);
    let reads = 0;
    w.workspace.outputs = async (stack: string) => {
      if (++reads === 2) w.kube.clusters.set("kubeconfig-of-lab", {});
      return original(stack);
    };
    const r = await w.run(true);
    expect(w.workspace.destroyed).toEqual([]);
    expect(r.aborted[0].reason).toBe("the cluster of lab answers again, so it is not gone: the next run judges it afresh");
  });
});

describe("what was deployed decides", () => {
  /** The plan the program exports as its `summary` output carries its idle settings and base cost. */
  const deployedAs = (idle: { clusterIdleMinutes: number; protected: boolean }) => ({ kubeconfig: "kubeconfig-of-lab", summary: { idle, cluster: { basePerHour: 0.5 } } });

  it("a stack deployed protected stays, whatever the reaper's checkout says", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), outputs: deployedAs({ clusterIdleMinutes: 60, protected: true }) });
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "keep", code: "protected" });
    expect(decisionOf(r, "lab").settingsNote).toBe("the stack file differs from what was deployed (protected false in the file, true deployed): the deployed values decide; `pulumi up` the stack to make them agree");
    expect(r.text).toContain("  settings:  the stack file differs from what was deployed (protected false in the file, true deployed)");
    expect(w.workspace.destroyed).toEqual([]);
  });

  it("the deployed clusterIdleMinutes is the limit, and the deployed base cost is the cost", async () => {
    const w = new World().cluster("lab", { idle: { clusterIdleMinutes: 60 }, lastUpdate: minutesAgo(200), outputs: deployedAs({ clusterIdleMinutes: 480, protected: false }) });
    const d = decisionOf(await w.run(false), "lab");
    expect(d).toMatchObject({ code: "recent", reason: "idle 3h 20m, under the 480-min limit" });
    expect(d.idle?.basePerHour).toBe(0.5);
    expect(d.settingsNote).toContain("clusterIdleMinutes 60 in the file, 480 deployed");
  });

  it("a protection only the file has keeps the stack too (fail safe), and says so", async () => {
    const w = new World().cluster("lab", { idle: { protected: true }, lastUpdate: minutesAgo(600), outputs: deployedAs({ clusterIdleMinutes: 60, protected: false }) });
    const d = decisionOf(await w.run(true), "lab");
    expect(d).toMatchObject({ action: "keep", code: "protected" });
    expect(d.settingsNote).toContain("but the file's protection keeps it too");
  });

  it("a deployed stack whose file is not in the reaper's checkout is judged on its deployed settings", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), outputs: deployedAs({ clusterIdleMinutes: 60, protected: false }) });
    w.configs.delete("lab");
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "destroy", code: "idle" });
    expect(w.workspace.destroyed).toEqual(["lab"]);
  });
});

describe("what is left billing", () => {
  const pv = (retainOnDelete: boolean): StackResource => ({
    type: "kubernetes:core/v1:PersistentVolume",
    urn: "urn:pulumi:lab::gpu-training-clusters::kubernetes:core/v1:PersistentVolume::lab-outputs-pv",
    retainOnDelete,
    protect: false,
    outputs: { metadata: { name: "lab-outputs-pv" }, spec: { capacity: { storage: "200Gi" }, persistentVolumeReclaimPolicy: "Retain", csi: { driver: "ebs.csi.aws.com", volumeHandle: "vol-0123" } } },
  });

  it("names retained storage with its size and $/month in the dry run, and never deletes it", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), resources: [EKS, pv(true)] });
    const r = await w.run(false);
    expect(decisionOf(r, "lab").idle?.leftovers).toEqual([
      { what: "retained PersistentVolume lab-outputs-pv (200 GiB) on vol-0123", why: "kept by design (retainOnDelete): its data stays, and so does its storage bill", perMonth: 16 },
    ]);
    expect(r.text).toContain("  left:      retained PersistentVolume lab-outputs-pv (200 GiB) on vol-0123, about $16.00/month: kept by design");
  });

  it("lists what a failed destroy left in the state, with its cost", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(600), resources: [EKS, VPC, { type: "aws:ec2/natGateway:NatGateway", urn: "urn:pulumi:lab::p::aws:ec2/natGateway:NatGateway::lab-nat", retainOnDelete: false, protect: false }] });
    w.workspace.stacks.get("lab")!.destroyError = commandError("error: AccessDenied: not authorized to perform: ec2:DeleteVpc");
    const r = await w.run(true);
    expect(r.text).toContain("  left billing: EKS control plane lab-eks, about $73.00/month: still in the state after the failed destroy: it bills until a destroy succeeds");
    expect(r.text).toContain("  left billing: NAT gateway lab-nat, about $32.85/month");
  });
});

describe("a destroy that failed before", () => {
  it("is retried by the next run without waiting the idle limit again (the failed destroy is no activity)", async () => {
    // The failed destroy 10 min ago is the stack's last update; the cluster still answers and is idle.
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(10), resources: [EKS, VPC] });
    w.workspace.stacks.get("lab")!.history = [{ kind: "destroy", result: "failed", startTime: minutesAgo(40), endTime: minutesAgo(10) }];
    const r = await w.run(true);
    expect(decisionOf(r, "lab")).toMatchObject({ action: "destroy", code: "retry-destroy", reason: "its last destroy failed (2026-11-20 11:50 UTC) and no GPU work runs, waits or is queued on it: the destroy is retried" });
    expect(w.workspace.destroyed).toEqual(["lab"]);
  });

  it("still waits while GPU work is there", async () => {
    const w = new World().cluster("lab", { lastUpdate: minutesAgo(10), state: { workloads: [workload("job-new", "waiting", { cause: "quota" })] } });
    w.workspace.stacks.get("lab")!.history = [{ kind: "destroy", result: "failed", endTime: minutesAgo(10) }];
    expect(decisionOf(await w.run(true), "lab")).toMatchObject({ action: "keep", code: "queued" });
    expect(w.workspace.destroyed).toEqual([]);
  });
});
