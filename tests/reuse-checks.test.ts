/**
 * A stack that reuses a cluster gets the account checks of a create stack, on what its cluster
 * stack exports: the offline plan answers its StackReference with the cluster stack's own plan
 * outputs, and these tests feed the program the same outputs with account answers of their own.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ConfigError } from "../config/errors";
import { MOCK_EXISTING_VPC } from "../tools/mocks";
import type { PlanRun } from "../tools/plan-runner";
import { planStack } from "./helpers/plan";
import { runProgram } from "./helpers/program";

process.setMaxListeners(100);
jest.setTimeout(180_000);

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const FSX = { type: "fsx", fileSystemId: "fs-0fedcba9876543210", dnsName: "fs-0fedcba9876543210.fsx.us-east-1.amazonaws.com", mountName: "ijklmnop" };
const reuse = (stack: string, experiment: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  "aws:region": "us-east-1",
  cluster: { mode: "reuse", stack },
  experiment: { name: "sweep", maxRunTimeMinutes: 60, ...experiment },
  ...extra,
});

/** Answers the StackReference with `outputs`, as the engine reads the other stack's state. */
const referenceTo = (outputs: Record<string, unknown>) => (args: { type: string; inputs: Record<string, unknown> }) =>
  args.type === "pulumi:pulumi:StackReference" ? { id: String(args.inputs.name), state: { name: args.inputs.name, outputs, secretOutputNames: ["kubeconfig"] } } : undefined;

async function planFile(name: string, config: Record<string, unknown>): Promise<PlanRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reuse-"));
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k.includes(":") ? k : `gpu-training-clusters:${k}`, v])) }));
  return planStack(file);
}

describe("the cluster stack's exports", () => {
  it("carry the region, VPC, cluster security group and managed pools a reusing stack checks against", async () => {
    const run = await planStack("shared-cluster");
    expect(run.json.outputs).toMatchObject({
      region: "us-east-1",
      vpcId: "shared-cluster-network-vpc-id",
      clusterSecurityGroupId: "sg-shared-cluster-cluster-eks",
      pools: { t4: { instanceType: "g4dn.xlarge", capacity: "spot", maxNodes: 4 }, a100: { instanceType: "p4d.24xlarge", capacity: "on-demand", maxNodes: 2 } },
    });
  });

  it("are what the offline plan of a reuse stack runs against, and its plan states them and the quotas", async () => {
    const run = await planStack("shared-t4-sweep");
    const account = run.plan.deploy!.account!;
    expect(account.cluster).toMatchObject({ stack: "shared-cluster", vpcId: "shared-cluster-network-vpc-id", clusterSecurityGroupId: "sg-shared-cluster-cluster-eks" });
    expect(account.quotas.find((q) => q.code === "L-3819A6DF")).toMatchObject({ experimentVcpus: 4, poolsMaxVcpus: 16, quota: 384 });
    expect(run.text).toContain("cluster of stack shared-cluster (its outputs): region us-east-1, VPC shared-cluster-network-vpc-id");
  });
});

describe("FSx on a reused cluster", () => {
  it("is refused in one line naming the file system, its VPC and the cluster's, when it lives in another VPC", async () => {
    const error = await planFile("fsx-elsewhere", reuse("shared-cluster", { pool: "t4", datasets: [{ name: "eval", mountPath: "/data/eval", source: FSX }] })).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: "experiment.datasets[0].source.fileSystemId",
        message: `fs-0fedcba9876543210 lives in ${MOCK_EXISTING_VPC}, but the cluster of stack shared-cluster runs in shared-cluster-network-vpc-id, from which its nodes cannot reach it (the Lustre mount would hang and keep the node paid for); use a file system in shared-cluster-network-vpc-id, or a cluster in ${MOCK_EXISTING_VPC}`,
      },
    ]);
  });

  it("gets the Lustre ports opened from this stack's own rules when nobody opened them yet", async () => {
    const cluster = await planStack("a100-2x8");
    const run = await runProgram(reuse("a100-2x8", { pool: "a100", gpusPerNode: 8, image: "pytorch-2.8-cuda12.8-efa", datasets: [{ name: "eval", mountPath: "/data/eval", source: FSX }] }), undefined, "fsx-open", {
      onResource: referenceTo(cluster.json.outputs),
    });
    expect(run.error).toBeUndefined();
    const rules = run.resources.filter((r) => r.type === INGRESS);
    const nodes = cluster.json.outputs.clusterSecurityGroupId;
    const fsx = "sg-0f5c0ffee0123abcd";
    // Both ways, as the FSx docs list them: the file system's group lets the nodes in, and the
    // nodes' group (the clients') lets the file system in.
    expect(rules.map((r) => [r.name, r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort, (r.inputs.tags as Record<string, string>)["gtc:stack"]])).toEqual([
      [`fsx-open-lustre-${fsx}-988`, fsx, nodes, 988, 988, "fsx-open"],
      [`fsx-open-lustre-clients-${fsx}-988`, nodes, fsx, 988, 988, "fsx-open"],
      [`fsx-open-lustre-${fsx}-1018`, fsx, nodes, 1018, 1023, "fsx-open"],
      [`fsx-open-lustre-clients-${fsx}-1018`, nodes, fsx, 1018, 1023, "fsx-open"],
    ]);
    expect((run.outputs!.summary as any).deploy.sourceIngress).toHaveLength(4);
  });

  it("adds no second rule where the cluster stack opened the ports already (EC2 refuses a duplicate), and says what it relies on", async () => {
    const run = await planStack(path.join(__dirname, "fixtures", "stacks", "Pulumi.reuse-a100-2x8.yaml"));
    expect(run.json.resources.filter((r) => r.type === INGRESS)).toEqual([]);
    expect(run.text).toContain("Lustre TCP 988 of sg-0f5c0ffee0123abcd is open to the cluster's nodes by a rule this stack does not own");
    expect(run.text).toContain("Lustre TCP 1018-1023 of the cluster's nodes is open to sg-0f5c0ffee0123abcd by a rule this stack does not own");
  });
});

describe("GPU quota of a reusing stack", () => {
  it("refuses a quota of 0 for the experiment's pool before anything exists, with the request command", async () => {
    const cluster = await planStack("shared-cluster");
    const run = await runProgram(
      reuse("shared-cluster", { pool: "t4" }),
      (token, inputs) => (token === "aws:servicequotas/getServiceQuota:getServiceQuota" ? { ...inputs, value: 0 } : undefined),
      "quota-zero",
      { onResource: referenceTo(cluster.json.outputs) },
    );
    expect(run.error?.problems).toEqual([
      {
        path: "experiment.nodes",
        message: expect.stringContaining('needs 4 vCPUs of quota "All G and VT Spot Instance Requests" (L-3819A6DF) in us-east-1 (1 x g4dn.xlarge x 4 vCPUs), but the account has 0'),
      },
    ]);
    expect(run.resources.filter((r) => r.custom && !r.read && r.type !== "pulumi:pulumi:StackReference")).toEqual([]);
  });

  it("refuses a region other than the cluster's, naming aws:region", async () => {
    const cluster = await planStack("shared-cluster");
    const run = await runProgram({ ...reuse("shared-cluster", { pool: "t4" }), "aws:region": "us-west-2" }, undefined, "elsewhere", { onResource: referenceTo(cluster.json.outputs) });
    expect(run.error?.problems).toEqual([{ path: "aws:region", message: "is us-west-2, but the cluster of stack shared-cluster is in us-east-1 (set aws:region: us-east-1)" }]);
  });

  it("warns, and checks no quota, when the cluster stack exports no pools (updated before it exported them)", async () => {
    const run = await runProgram(reuse("shared-cluster", { pool: "t4" }), undefined, "old-cluster", { onResource: referenceTo({ kubeconfig: "k", clusterName: "gtc-shared-cluster", s3CsiRoleName: "r" }) });
    expect(run.error).toBeUndefined();
    expect((run.outputs!.summary as any).deploy.warnings).toContain(
      "stack shared-cluster exports no region or pools (it was last updated before it exported them): run `pulumi up` on it to check this stack's GPU quota against its pools",
    );
  });
});
