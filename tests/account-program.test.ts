/**
 * The program under account answers that behave like a real account (the held-out way: setMocks,
 * setAllConfig, require index.ts, await the exported promise): a zone list that begins with a zone
 * EKS refuses, GPU types offered in one zone only, quotas of zero, FSx in another VPC, answers
 * that leave fields out.
 */
import { runProgram } from "./helpers/program";

process.setMaxListeners(100);
jest.setTimeout(120_000);

const T4 = { name: "t4", gpu: "t4", maxNodes: 2 };
const A100 = { name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 };
const base = (extra: Record<string, unknown> = {}) => ({ "aws:region": "us-east-1", cluster: { mode: "create" }, ...extra });
const types = (run: { resources: readonly { type: string }[] }, type: string) => run.resources.filter((r) => r.type === type);

const ZONES = { names: ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"], zoneIds: ["use1-az3", "use1-az6", "use1-az1", "use1-az2"] };

describe("zones and offerings", () => {
  it("never puts a subnet in use1-az3, even when the account lists it first", async () => {
    const run = await runProgram(base({ nodePools: [T4] }), (token) => (token === "aws:index/getAvailabilityZones:getAvailabilityZones" ? ZONES : undefined));
    expect(run.error).toBeUndefined();
    const zones = types(run, "aws:ec2/subnet:Subnet").map((s) => (s as any).inputs.availabilityZone);
    expect(zones).not.toContain("us-east-1a");
    expect(new Set(zones)).toEqual(new Set(["us-east-1b", "us-east-1c"]));
  });

  it("gives a GPU node group only subnets of zones offering its type, and picks such a zone for the cluster", async () => {
    const run = await runProgram(base({ nodePools: [{ ...T4 }] }), (token, inputs) => {
      if (token === "aws:index/getAvailabilityZones:getAvailabilityZones") return ZONES;
      if (token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings") {
        expect(inputs.locationType).toBe("availability-zone-id");
        return { locations: ["use1-az2"], instanceTypes: ["g4dn.xlarge"], locationTypes: ["availability-zone-id"] };
      }
      return undefined;
    });
    expect(run.error).toBeUndefined();
    const subnets = types(run, "aws:ec2/subnet:Subnet").map((s: any) => [s.name, s.inputs.availabilityZone]);
    const privateZones = subnets.filter(([n]) => n.includes("private")).map(([, z]) => z);
    // use1-az2 (us-east-1d) must be one of the two cluster zones, though it comes last.
    expect(privateZones).toContain("us-east-1d");
    const ng = run.resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name.includes("pool-t4"))!;
    const dIndex = privateZones.indexOf("us-east-1d");
    expect(ng.inputs.subnetIds).toEqual([`acct-network-private-${dIndex}-id`]);
  });

  it("stops, naming type and region, when no zone offers the type; nothing is registered", async () => {
    const run = await runProgram(base({ nodePools: [A100] }), (token) =>
      token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings" ? { locations: [], instanceTypes: [], locationTypes: [] } : undefined,
    );
    expect(run.error?.message).toMatch(/nodePools\[0\]: p4d\.24xlarge is not offered in any zone of us-east-1 that EKS accepts/);
    expect(run.resources).toHaveLength(0);
  });

  it("treats answers that echo the inputs back (no names, no locations, no value) as unknown: warnings, not a block", async () => {
    const run = await runProgram(base({ nodePools: [T4], experiment: { name: "smoke", pool: "t4" } }), (_token, inputs) => ({ ...inputs }));
    expect(run.error).toBeUndefined();
    const summary = run.outputs!.summary as any;
    expect(summary.deploy.warnings.join("\n")).toMatch(/could not be read/);
    expect(types(run, "aws:eks/cluster:Cluster")).toHaveLength(1);
  });
});

describe("GPU vCPU quotas", () => {
  it("fails before anything exists when the quota is 0, with the quota, code, need and the request command", async () => {
    const run = await runProgram(base({ nodePools: [A100], experiment: { name: "llm", pool: "a100", nodes: 2, gpusPerNode: 8, image: "pytorch-2.8-cuda12.8-efa" } }), (token, inputs) =>
      token === "aws:servicequotas/getServiceQuota:getServiceQuota" ? { ...inputs, value: 0 } : undefined,
    );
    expect(run.resources).toHaveLength(0);
    const message = run.error!.message;
    expect(message).toContain('"Running On-Demand P instances" (L-417A185B)');
    expect(message).toContain("needs 192 vCPUs");
    expect(message).toContain("the account has 0");
    expect(message).toContain("aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-417A185B --desired-value 192 --region us-east-1");
    expect(run.error!.problems!.length).toBeGreaterThan(0);
  });

  it("checks spot pools against the spot quota", async () => {
    const run = await runProgram(base({ nodePools: [{ ...T4, capacity: "spot" }], experiment: { name: "smoke", pool: "t4" } }), (token, inputs) =>
      token === "aws:servicequotas/getServiceQuota:getServiceQuota" ? { ...inputs, value: inputs.quotaCode === "L-3819A6DF" ? 0 : 1000 } : undefined,
    );
    expect(run.error?.message).toContain("L-3819A6DF");
    expect(run.resources).toHaveLength(0);
  });

  it("only warns when the experiment fits but the pools' maximum does not", async () => {
    const run = await runProgram(base({ nodePools: [{ ...T4, maxNodes: 4 }], experiment: { name: "smoke", pool: "t4" } }), (token, inputs) =>
      token === "aws:servicequotas/getServiceQuota:getServiceQuota" ? { ...inputs, value: 8 } : undefined,
    );
    expect(run.error).toBeUndefined();
    expect((run.outputs!.summary as any).deploy.warnings.join("\n")).toMatch(/L-DB2E81BA.*is 8 vCPUs.*16 at maxNodes/);
  });
});

describe("FSx, admins, secrets", () => {
  const fsxExperiment = {
    name: "fsx",
    pool: "t4",
    datasets: [{ name: "d", mountPath: "/data", source: { type: "fsx", fileSystemId: "fs-0123456789abcdef0", dnsName: "fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com", mountName: "abcdefgh" } }],
  };

  it("refuses an FSx file system outside the VPC the stack creates, and says how to fix it", async () => {
    const run = await runProgram(base({ nodePools: [T4], experiment: fsxExperiment }));
    expect(run.error?.message).toMatch(/fs-0123456789abcdef0 lives in vpc-0a1b2c3d4e5f60718, but this stack creates a new VPC/);
    expect(run.error?.message).toContain("cluster.vpc: { id: vpc-0a1b2c3d4e5f60718");
    expect(run.resources.filter((r) => !r.read)).toHaveLength(0);
  });

  it("runs in the file system's VPC with cluster.vpc: no VPC of its own, Lustre ports opened both ways between the file system's and the cluster security group", async () => {
    const vpc = { id: "vpc-0a1b2c3d4e5f60718", privateSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"] };
    const run = await runProgram(base({ cluster: { mode: "create", vpc }, nodePools: [T4], experiment: fsxExperiment }));
    expect(run.error).toBeUndefined();
    expect(types(run, "aws:ec2/vpc:Vpc")).toHaveLength(0);
    expect(types(run, "aws:ec2/natGateway:NatGateway")).toHaveLength(0);
    const cluster = types(run, "aws:eks/cluster:Cluster")[0] as any;
    expect(cluster.inputs.vpcConfig.subnetIds).toEqual(vpc.privateSubnetIds);
    const lustre = run.resources.filter((r) => r.name.includes("lustre")).map((r: any) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]);
    // The file system's inbound rules, and the clients' (the FSx docs' "Lustre client VPC security group rules").
    expect(lustre.sort((a, b) => a[2] - b[2] || String(a[0]).localeCompare(String(b[0])))).toEqual([
      ["sg-0f5c0ffee0123abcd", "sg-acct-cluster-eks", 988, 988],
      ["sg-acct-cluster-eks", "sg-0f5c0ffee0123abcd", 988, 988],
      ["sg-0f5c0ffee0123abcd", "sg-acct-cluster-eks", 1018, 1023],
      ["sg-acct-cluster-eks", "sg-0f5c0ffee0123abcd", 1018, 1023],
    ]);
  });

  it("refuses a file system the read places in another VPC than cluster.vpc", async () => {
    const vpc = { id: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"] };
    const run = await runProgram(
      base({ cluster: { mode: "create", vpc }, nodePools: [T4], experiment: fsxExperiment }),
      (token, inputs) =>
        token === "aws:ec2/getSubnet:getSubnet" ? { id: inputs.id, vpcId: vpc.id, availabilityZone: "us-east-1c", availabilityZoneId: inputs.id.endsWith("1") ? "use1-az1" : "use1-az2" } : undefined,
      "acct",
      { onResource: (args) => (args.type === "aws:fsx/lustreFileSystem:LustreFileSystem" ? { id: args.id!, state: { vpcId: "vpc-0ddddddddddddddd0", networkInterfaceIds: [] } } : undefined) },
    );
    expect(run.error?.message).toMatch(/fs-0123456789abcdef0 lives in vpc-0ddddddddddddddd0, not in cluster\.vpc\.id vpc-0123456789abcdef0/);
    expect(run.resources.filter((r) => !r.read)).toHaveLength(0);
  });

  it("adds an access entry with AmazonEKSClusterAdminPolicy at cluster scope for each admin", async () => {
    const admins = ["arn:aws:iam::123456789012:role/ci", "arn:aws:iam::123456789012:user/alice"];
    const run = await runProgram(base({ cluster: { mode: "create", admins }, nodePools: [T4] }));
    expect(run.error).toBeUndefined();
    const entries = types(run, "aws:eks/accessEntry:AccessEntry").map((r: any) => r.inputs.principalArn);
    expect(entries).toEqual(admins);
    const policies = types(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((r: any) => r.inputs);
    expect(policies).toEqual(admins.map((principalArn) => expect.objectContaining({ principalArn, policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } })));
  });

  it("refuses the caller's own role in cluster.admins before the first up, naming it: EKS already made the creator admin", async () => {
    const ci = "arn:aws:iam::123456789012:role/ci";
    const asCi = (token: string) =>
      token === "aws:index/getCallerIdentity:getCallerIdentity" ? { accountId: "123456789012", arn: "arn:aws:sts::123456789012:assumed-role/ci/gh-run-42", userId: "AROA:gh" } : undefined;
    const run = await runProgram(base({ cluster: { mode: "create", admins: ["arn:aws:iam::123456789012:user/alice", ci] }, nodePools: [T4] }), asCi);
    expect(run.error?.problems?.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringMatching(/^cluster\.admins\[1\]: is the identity running pulumi \(arn:aws:iam::123456789012:role\/ci\).*Leave it out/)]);
    expect(run.resources.filter((r) => !r.read)).toHaveLength(0);
    // Someone else running it is fine.
    const other = await runProgram(base({ cluster: { mode: "create", admins: [ci] }, nodePools: [T4] }));
    expect(other.error).toBeUndefined();
  });

  it("refuses an EKS version past standard support with STANDARD, and takes EXTENDED at its price", async () => {
    const bad = await runProgram(base({ cluster: { mode: "create", kubernetesVersion: "1.33" }, nodePools: [T4] }));
    expect(bad.error?.message).toMatch(/cluster\.kubernetesVersion: Kubernetes 1\.33 left EKS standard support on 2026-07-29/);
    expect(bad.resources).toHaveLength(0);
    const ok = await runProgram(base({ cluster: { mode: "create", kubernetesVersion: "1.33", supportType: "EXTENDED" }, nodePools: [T4] }));
    expect(ok.error).toBeUndefined();
    expect((types(ok, "aws:eks/cluster:Cluster")[0] as any).inputs.upgradePolicy).toEqual({ supportType: "EXTENDED" });
  });
});

describe("secrets in state", () => {
  it("marks the SSM activation code secret, and nothing else needs it", async () => {
    const run = await runProgram({
      "aws:region": "us-east-1",
      cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { remoteNodeCidrs: ["192.168.10.0/24"] } },
      nodePools: [{ name: "lab", gpu: "rtx4090", kind: "hybrid", maxNodes: 2, driverVersion: "575.64.03" }, T4],
    });
    expect(run.error).toBeUndefined();
    // Audit: of every resource type the program registers, only the activation has a secret-bearing
    // output of its own (the kubeconfig and nodeadm configs are pulumi.secret outputs already).
    expect(run.secretOutputs).toEqual({ "aws:ssm/activation:Activation::acct-hybrid-lab": ["activationCode"] });
  });
});

describe("hybrid endpoint access", () => {
  it("refuses public and private endpoint access together on a cluster with hybrid nodes, when the user sets both", async () => {
    const run = await runProgram({ "aws:region": "us-east-1", cluster: { mode: "create", endpoint: { privateAccess: true }, hybrid: { remoteNodeCidrs: ["192.168.10.0/24"] } } });
    expect(run.error?.message).toMatch(/cluster\.endpoint: must be public or private, not both, on a cluster with hybrid nodes/);
    expect(run.resources).toHaveLength(0);
  });

  it("gives a hybrid cluster a public-only endpoint by default, which EKS accepts", async () => {
    const run = await runProgram({ "aws:region": "us-east-1", cluster: { mode: "create", hybrid: { remoteNodeCidrs: ["192.168.10.0/24"] } } });
    expect(run.error).toBeUndefined();
    const cluster = run.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!;
    expect(cluster.inputs.vpcConfig).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: false });
  });

  it("refuses an admin that is not an IAM role or user ARN", async () => {
    const run = await runProgram({ "aws:region": "us-east-1", cluster: { mode: "create", admins: ["arn:aws:sts::123456789012:assumed-role/ci/session"] } });
    expect(run.error?.message).toMatch(/cluster\.admins\[0\]: must be an IAM role or user ARN/);
  });
});

describe("answers a real account gives that the happy path does not", () => {
  const vpc = { id: "vpc-0a1b2c3d4e5f60718", privateSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"] };
  const fsxDataset = { name: "d", mountPath: "/data", source: { type: "fsx", fileSystemId: "fs-0123456789abcdef0", dnsName: "fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com", mountName: "abcdefgh" } };
  const fsxStack = (experiment: Record<string, unknown> = {}) =>
    base({ cluster: { mode: "create", vpc }, nodePools: [T4], experiment: { name: "fsx", pool: "t4", datasets: [fsxDataset], ...experiment } });

  it("settles under `pulumi preview` when the FSx read leaves its fields unknown: warnings, no hang", async () => {
    const run = await runProgram(fsxStack(), () => undefined, "acct", {
      preview: true,
      // A read that answers with its inputs only: vpcId, dnsName and the rest are unknown in a preview.
      onResource: (args) => (args.type === "aws:fsx/lustreFileSystem:LustreFileSystem" ? { id: args.id!, state: { ...args.inputs } } : undefined),
    });
    expect(run.error).toBeUndefined();
    expect((run.outputs!.summary as any).deploy).toBeDefined();
    expect(types(run, "aws:eks/cluster:Cluster")).toHaveLength(1);
  });

  it("refuses a subnet of cluster.vpc that the lookup does not find", async () => {
    const run = await runProgram(fsxStack(), (token, inputs) => {
      if (token === "aws:ec2/getSubnet:getSubnet" && inputs.id === vpc.privateSubnetIds[1]) throw new Error("no matching EC2 Subnet found");
      return undefined;
    });
    expect(run.error?.message).toMatch(/cluster\.vpc\.privateSubnetIds\[1\]: could not be found in us-east-1 \(got subnet-0a1b2c3d4e5f60002[;)]/);
    // Every phase runs: the file system was read (a read, never a create), nothing was created.
    expect(run.resources.filter((r) => !r.read)).toHaveLength(0);
  });

  it("never puts a subnet in a Local Zone the account opted into", async () => {
    const seen: unknown[] = [];
    const run = await runProgram(base({ nodePools: [T4] }), (token, inputs) => {
      if (token === "aws:index/getAvailabilityZones:getAvailabilityZones") seen.push(inputs.filters);
      return undefined;
    });
    expect(run.error).toBeUndefined();
    expect(seen[0]).toEqual([{ name: "opt-in-status", values: ["opt-in-not-required"] }]);
    const zones = types(run, "aws:ec2/subnet:Subnet").map((s: any) => s.inputs.availabilityZone);
    expect(zones.length).toBeGreaterThan(0);
    expect(zones.filter((z) => /-bos-/.test(z))).toEqual([]);
  });

  it("names each admin's access entry after its ARN alone, so removing one leaves the others as they are, and moving one to cluster.users keeps it", async () => {
    const alice = "arn:aws:iam::123456789012:user/alice";
    const ci = "arn:aws:iam::123456789012:role/ci";
    const names = async (admins: string[], users: { principalArn: string; stacks: string[] }[] = []) => {
      const run = await runProgram(base({ cluster: { mode: "create", admins, users }, nodePools: [T4] }));
      expect(run.error).toBeUndefined();
      return Object.fromEntries(types(run, "aws:eks/accessEntry:AccessEntry").map((r: any) => [r.inputs.principalArn, r.name]));
    };
    const both = await names([ci, alice]);
    const one = await names([alice]);
    expect(one[alice]).toBe(both[alice]);
    expect(both[alice]).toMatch(/^acct-cluster-access-alice-[0-9a-f]{8}$/);
    expect((await names([ci], [{ principalArn: alice, stacks: ["team-a"] }]))[alice]).toBe(both[alice]);
    expect(new Set(Object.values(both)).size).toBe(2);
  });

  it("refuses an admin listed twice", async () => {
    const ci = "arn:aws:iam::123456789012:role/ci";
    const run = await runProgram(base({ cluster: { mode: "create", admins: [ci, ci] }, nodePools: [T4] }));
    expect(run.error?.message).toMatch(/cluster\.admins\[1\]: lists arn:aws:iam::123456789012:role\/ci again \(first at cluster\.admins\[0\]/);
    expect(run.resources).toHaveLength(0);
  });

  it("reports a bad workdir, a quota of 0 and an FSx file system out of reach in one round, creating nothing", async () => {
    const run = await runProgram(base({ nodePools: [T4], experiment: { name: "fsx", pool: "t4", datasets: [fsxDataset], workdir: "no/such/dir" } }), (token, inputs) =>
      token === "aws:servicequotas/getServiceQuota:getServiceQuota" ? { ...inputs, value: 0 } : undefined,
    );
    const paths = run.error?.message.split("\n").slice(1).map((l) => l.trim().split(": ")[0].replace(/^- /, ""));
    expect(paths).toEqual(["experiment.workdir", "experiment.nodes", "experiment.datasets[0].source.fileSystemId"]);
    expect(run.resources.filter((r) => !r.read)).toHaveLength(0);
  });
});
