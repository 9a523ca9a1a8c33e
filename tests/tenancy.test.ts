/**
 * Two experiment stacks on one shared cluster cannot reach each other: the plans
 * of two reuse stacks show disjoint namespaces, Kubernetes objects, AWS identities and network
 * reach, even with the same experiment and volume names; and each person listed in the cluster's
 * `users` may edit only the namespaces of their stacks.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PlanRun } from "../tools/plan-runner";
import { physicalName } from "../tools/plan-diff";
import { FIXTURE_STACKS } from "./helpers/experiment";
import { ofType, planStack } from "./helpers/plan";
import { load, problemsOf } from "./helpers/config";
import { runProgram } from "./helpers/program";
import { buildNamespaceObjects, usersGroup } from "../k8s/namespace";

type Resource = PlanRun["json"]["resources"][number];
type Policy = { metadata: { namespace: string }; spec: { podSelector: object; policyTypes: string[]; ingress?: { from?: { podSelector?: object; namespaceSelector?: object; ipBlock?: object }[] }[] } };

const A = path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml");

/** Stack B: stack A's file under another stack name, with its own output prefix; same experiment and volume names. */
function stackB(): string {
  const config = parse(fs.readFileSync(A, "utf8")).config;
  config["gpu-training-clusters:experiment"].output.source.prefix = "team-b/";
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tenancy-")), "Pulumi.team-b.yaml");
  fs.writeFileSync(file, stringify({ config }));
  return file;
}

const kubernetes = (run: PlanRun) => run.json.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm"));
const meta = (r: Resource) => r.inputs.metadata as { name: string; namespace?: string };

/**
 * Whether a pod in `from` may connect to the pods of namespace `to` under these ingress policies
 * (NetworkPolicy semantics: a pod selected by no ingress policy accepts all; a peer with only a
 * podSelector means pods of the policy's own namespace).
 */
function admits(policies: readonly Policy[], to: string, from: string): boolean {
  const selecting = policies.filter((p) => p.metadata.namespace === to && p.spec.policyTypes.includes("Ingress"));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some((rule) =>
      (rule.from ?? []).some((peer) => {
        if (peer.ipBlock) return true;
        if (peer.namespaceSelector) return true; // our policies have none; any would reach across namespaces
        return from === p.metadata.namespace;
      }),
    ),
  );
}

describe("two reuse stacks on one cluster (a100-2x8), and a third on shared-cluster", () => {
  let a: PlanRun;
  let b: PlanRun;
  let sweep: PlanRun;
  beforeAll(async () => {
    a = await planStack(A);
    b = await planStack(stackB());
    sweep = await planStack("shared-t4-sweep");
  });

  it("live in disjoint namespaces named after their stacks, every namespaced object included", () => {
    for (const [run, ns] of [
      [a, "reuse-a100-2x8"],
      [b, "team-b"],
      [sweep, "shared-t4-sweep"],
    ] as const) {
      const objects = kubernetes(run);
      expect(objects.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => meta(r).name)).toEqual([ns]);
      const namespaced = objects.filter((r) => meta(r).namespace !== undefined);
      expect(namespaced.length).toBeGreaterThanOrEqual(5);
      expect(new Set(namespaced.map((r) => meta(r).namespace))).toEqual(new Set([ns]));
    }
  });

  it("share no Kubernetes object, not even a cluster-wide one, with the same experiment and volume names", () => {
    const names = (run: PlanRun) => new Set(kubernetes(run).map((r) => physicalName(r)!));
    const inA = names(a);
    expect([...names(b)].filter((n) => inA.has(n))).toEqual([]);
    expect([...names(sweep)].filter((n) => inA.has(n))).toEqual([]);
    // The PersistentVolumes, cluster-wide, carry the namespace.
    expect(ofType(b, "kubernetes:core/v1:PersistentVolume").map((r) => meta(r).name).sort()).toEqual(["team-b-llm-reuse-2x8-checkpoints", "team-b-llm-reuse-2x8-eval", "team-b-llm-reuse-2x8-tokens"]);
  });

  it("mount S3 as their own identities: a role each, associated with their own namespace only, granting their own prefixes", () => {
    const identity = (run: PlanRun) => ({
      association: ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => r.inputs),
      policy: ofType(run, "aws:iam/rolePolicy:RolePolicy").map((r) => String(r.inputs.policy)),
      roles: ofType(run, "aws:iam/role:Role"),
    });
    const [ia, ib] = [identity(a), identity(b)];
    // The association names the ServiceAccount the run's pods use (here the GPU health check's trainer account).
    const podAccount = (run: PlanRun) => {
      const set = ofType(run, "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet")[0].inputs as { spec: { replicatedJobs: { template: { spec: { template: { spec: { serviceAccountName: string } } } } }[] } };
      return set.spec.replicatedJobs[0].template.spec.template.spec.serviceAccountName;
    };
    expect(podAccount(a)).toBe("training");
    expect(ia.association).toEqual([expect.objectContaining({ clusterName: "gtc-a100-2x8", namespace: "reuse-a100-2x8", serviceAccount: podAccount(a) })]);
    expect(ib.association).toEqual([expect.objectContaining({ clusterName: "gtc-a100-2x8", namespace: "team-b", serviceAccount: podAccount(b) })]);
    // Its trust policy admits only that cluster's namespace and account.
    for (const [run, ns] of [
      [a, "reuse-a100-2x8"],
      [b, "team-b"],
    ] as const) {
      const trust = JSON.parse(String(ofType(run, "aws:iam/role:Role")[0].inputs.assumeRolePolicy));
      expect(trust.Statement[0].Condition.StringEquals).toMatchObject({ "aws:RequestTag/kubernetes-namespace": ns, "aws:RequestTag/kubernetes-service-account": podAccount(run) });
    }
    expect(ia.roles).toHaveLength(1);
    expect(ib.roles).toHaveLength(1);
    // Each role is the stack's own: nothing is attached to a role named by the cluster stack.
    for (const run of [a, b]) for (const p of ofType(run, "aws:iam/rolePolicy:RolePolicy")) expect(String(p.inputs.role)).not.toContain("s3-csi");
    expect(ia.policy.join()).toContain("example-training-outputs/llm-reuse-2x8/*");
    expect(ia.policy.join()).not.toContain("team-b/");
    expect(ib.policy.join()).toContain("example-training-outputs/team-b/*");
    expect(ib.policy.join()).not.toContain("llm-reuse-2x8/");
    // The S3 volumes mount with the pod's credentials, i.e. through that association.
    for (const run of [a, b]) {
      for (const pv of ofType(run, "kubernetes:core/v1:PersistentVolume").filter((r) => (r.inputs.spec as { csi: { driver: string } }).csi.driver === "s3.csi.aws.com")) {
        expect((pv.inputs.spec as { csi: { volumeAttributes: Record<string, string> } }).csi.volumeAttributes.authenticationSource).toBe("pod");
      }
    }
    // A stack without S3 volumes has no AWS identity at all.
    expect(identity(sweep)).toEqual({ association: [], policy: [], roles: [] });
  });

  it("reach only their own pods: each namespace admits its own pods and no other stack's", () => {
    const policies = [a, b, sweep].flatMap((run) => ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as unknown as Policy));
    const namespaces = ["reuse-a100-2x8", "team-b", "shared-t4-sweep"];
    for (const to of namespaces) {
      for (const from of namespaces) expect({ to, from, admitted: admits(policies, to, from) }).toEqual({ to, from, admitted: to === from });
    }
    // Without the policies every pod would reach every other stack's rendezvous.
    expect(admits([], "team-b", "reuse-a100-2x8")).toBe(true);
  });
});

describe("people on shared-cluster", () => {
  const CLUSTER = { nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1 }] };
  const ALICE = "arn:aws:iam::123456789012:role/alice";

  it("refuses a principal listed twice (EKS allows one access entry each) and a stack that gives no namespace", () => {
    const problems = problemsOf(() =>
      load({ ...CLUSTER, cluster: { mode: "create", admins: [ALICE], users: [{ principalArn: ALICE, stacks: ["a"] }, { principalArn: "arn:aws:iam::123456789012:role/bob", stacks: ["default", "--"] }] } }),
    );
    expect(problems).toEqual([
      `cluster.users[0].principalArn: lists ${ALICE} again (first at cluster.admins[0]; name each principal once: EKS allows one access entry per principal)`,
      'cluster.users[1].stacks[0]: "default" gives the namespace "default", which the cluster shares (not allowed: default, kube-system, kube-public, kube-node-lease, kueue-system, jobset-system, amazon-cloudwatch, mount-s3); choose another stack name',
      'cluster.users[1].stacks[1]: "--" gives no namespace name (it needs a letter or digit; a namespace is named after its stack)',
    ]);
    expect(problemsOf(() => load({ ...CLUSTER, cluster: { mode: "create", users: [{ principalArn: "alice", stacks: [] }] } })).join("\n")).toMatch(/cluster\.users\[0\]\.principalArn[\s\S]*cluster\.users\[0\]\.stacks/);
  });

  it("a user gets AmazonEKSEditPolicy in the namespaces of their stacks only; admins stay cluster-wide", async () => {
    const run = await planStack("shared-cluster");
    const associations = ofType(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((r) => r.inputs);
    expect(associations).toEqual([
      expect.objectContaining({
        principalArn: "arn:aws:iam::123456789012:role/sweep-team",
        policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
        accessScope: { type: "namespace", namespaces: ["shared-t4-sweep"] },
      }),
    ]);
    expect(ofType(run, "aws:eks/accessEntry:AccessEntry").map((r) => r.inputs)).toEqual([expect.objectContaining({ principalArn: "arn:aws:iam::123456789012:role/sweep-team", type: "STANDARD" })]);
  });
});

describe("access entries across edits", () => {
  const BOB = "arn:aws:iam::123456789012:role/bob";
  const CAROL = "arn:aws:iam::123456789012:role/carol";
  const ENTRY = "aws:eks/accessEntry:AccessEntry";
  const ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";

  it("one entry per principal whichever list names it, users in their namespaces' Kueue group, associations replaced delete-first", async () => {
    const config = { "aws:region": "us-east-1", cluster: { mode: "create", admins: [BOB], users: [{ principalArn: CAROL, stacks: ["team-c", "team-d"] }] }, nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1 }] };
    const run = await runProgram(config, undefined, "people");
    expect(run.error).toBeUndefined();
    const entries = run.resources.filter((r) => r.type === ENTRY);
    // Named after the principal alone, so moving a person between admins and users keeps the entry.
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e.name).toMatch(/-access-/);
    const carol = entries.find((e) => e.inputs.principalArn === CAROL)!;
    expect(carol.inputs.kubernetesGroups).toEqual([usersGroup("team-c"), usersGroup("team-d")]);
    expect(entries.find((e) => e.inputs.principalArn === BOB)!.inputs.kubernetesGroups).toBeUndefined();
    for (const association of run.resources.filter((r) => r.type === ASSOCIATION)) {
      expect(run.replaceOptions[`${ASSOCIATION}::${association.name}`].deleteBeforeReplace).toBe(true);
    }
  });

  it("binds the namespace's users group to Kueue's batch-user role, which covers LocalQueues, Workloads and JobSets", () => {
    const objects = buildNamespaceObjects({ namespace: "team-c", stack: "team-c", podSecurity: "baseline", gpuHealthCheck: false });
    expect(objects.usersRoleBinding).toMatchObject({
      metadata: { namespace: "team-c" },
      roleRef: { kind: "ClusterRole", name: "kueue-batch-user-role" },
      subjects: [{ kind: "Group", name: "gtc-users:team-c" }],
    });
  });
});
