/**
 * At `pulumi preview` the EC2 and EKS APIs judge, the catalog is their dated cache: the program
 * under account answers that differ from the catalog (the held-out way: setMocks, the program,
 * its exported promise).
 */
import { runProgram } from "./helpers/program";
import { invokeError } from "../tools/mocks";

process.setMaxListeners(100);
jest.setTimeout(120_000);

const base = (extra: Record<string, unknown> = {}) => ({ "aws:region": "us-east-1", cluster: { mode: "create" }, ...extra });
const summaryOf = (run: { outputs?: Record<string, unknown> }) => run.outputs!.summary as { deploy: { warnings: string[]; api: { lines: string[] } } };
const problemsOf = (run: { error?: { problems?: { path: string; message: string }[] } }) => (run.error?.problems ?? []).map((p) => `${p.path}: ${p.message}`);

describe("instance types: the EC2 API judges", () => {
  it("refuses a type EC2 does not know, naming the pool's instanceType; nothing is registered", async () => {
    const run = await runProgram(base({ nodePools: [{ name: "l40s", gpu: "l40s", instanceType: "g6e.2xlarge", maxNodes: 1 }] }), (token, inputs) => {
      if (token !== "aws:ec2/getInstanceType:getInstanceType") return undefined;
      throw invokeError(`reading EC2 Instance Type (${inputs.instanceType}): InvalidInstanceType: The following supplied instance types do not exist: [${inputs.instanceType}]`);
    });
    expect(problemsOf(run)).toEqual([expect.stringMatching(/^nodePools\[0\]\.instanceType: g6e\.2xlarge is not an instance type EC2 knows in us-east-1 \(got g6e\.2xlarge; the API said: .*InvalidInstanceType/)]);
    expect(run.resources.filter((r) => !r.read)).toHaveLength(0);
  });

  it("warns, naming both figures, where the API and the catalog disagree, and plans with the API's word", async () => {
    const run = await runProgram(base({ nodePools: [{ name: "a10g", gpu: "a10g", instanceType: "g5.2xlarge", maxNodes: 1 }] }), (token) =>
      token === "aws:ec2/getInstanceType:getInstanceType"
        ? { defaultVcpus: 8, memorySize: 32768, gpuses: [{ count: 1, name: "A10G", manufacturer: "NVIDIA" }], efaSupported: true, efaMaximumInterfaces: 1 }
        : undefined,
    );
    expect(run.error).toBeUndefined();
    expect(summaryOf(run).deploy.warnings).toContainEqual(expect.stringMatching(/pool a10g: g5\.2xlarge per the EC2 API differs from the catalog \(catalog\/instances\.ts, AWS price list of 2026-07-20\): EFA interfaces: EC2 API 1, catalog 0/));
  });

  it("refuses more GPUs than the API gives the experiment's type", async () => {
    const run = await runProgram(base({ nodePools: [{ name: "t4", gpu: "t4", gpusPerNode: 4, maxNodes: 1 }], experiment: { name: "e", pool: "t4", gpusPerNode: 4 } }), (token) =>
      token === "aws:ec2/getInstanceType:getInstanceType" ? { defaultVcpus: 48, memorySize: 196608, gpuses: [{ count: 2, name: "T4" }], efaSupported: true, efaMaximumInterfaces: 1 } : undefined,
    );
    expect(problemsOf(run)).toContain("experiment.gpusPerNode: 4 exceeds the 2 GPUs the EC2 API gives g4dn.12xlarge (allowed 1-2)");
  });
});

describe("Kubernetes support: EKS's dates judge", () => {
  const after = new Date("2027-04-01T12:00:00Z"); // past the table's end of 1.35 standard support (2027-03-27)

  it("accepts 1.35 STANDARD after the table's date when EKS says standard support goes on, warning with both dates", async () => {
    const run = await runProgram(
      base({ nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1 }] }),
      (token) =>
        token === "aws:eks/getClusterVersions:getClusterVersions"
          ? { clusterVersions: [{ clusterVersion: "1.35", versionStatus: "STANDARD_SUPPORT", endOfStandardSupportDate: "2027-05-27T00:00:00Z", endOfExtendedSupportDate: "2028-05-27T00:00:00Z" }] }
          : undefined,
      "acct",
      { now: after },
    );
    expect(run.error).toBeUndefined();
    expect(summaryOf(run).deploy.warnings).toContain(
      "EKS says Kubernetes 1.35 leaves standard support on 2027-05-27 and extended support on 2028-05-27; the table catalog/kubernetes-versions.ts (checked 2026-11-29) says 2027-03-27 and 2028-03-27. EKS's dates apply; refresh the table from https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
    );
  });

  it("refuses by EKS's dates when they end before the table's", async () => {
    const run = await runProgram(base({ nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1 }] }), (token) =>
      token === "aws:eks/getClusterVersions:getClusterVersions"
        ? { clusterVersions: [{ clusterVersion: "1.35", endOfStandardSupportDate: "2026-06-01T00:00:00Z", endOfExtendedSupportDate: "2027-06-01T00:00:00Z" }] }
        : undefined,
    );
    expect(problemsOf(run)).toContainEqual(expect.stringMatching(/^cluster\.kubernetesVersion: Kubernetes 1\.35 left EKS standard support on 2026-06-01/));
  });
});

describe("spot prices and add-on versions", () => {
  it("shows the API's spot price of a spot pool with its saving and the interruption risk", async () => {
    const run = await runProgram(base({ nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1, capacity: "spot" }] }), (token, inputs) =>
      token === "aws:ec2/getSpotPrice:getSpotPrice" ? { ...inputs, spotPrice: "0.2104", availabilityZone: "us-east-1b", spotPriceTimestamp: "2026-12-01T10:00:00Z" } : undefined,
    );
    expect(run.error).toBeUndefined();
    expect(summaryOf(run).deploy.api.lines).toContain(
      "  spot g4dn.xlarge (pool t4): $0.210/h in us-east-1b at 2026-12-01T10:00:00Z (60% below on-demand $0.526/h); EC2 may reclaim a spot node with 2 minutes' notice: checkpoint, or the run starts over",
    );
  });

  it("warns, naming both, where an add-on pin is newer than the most recent version EKS lists for the cluster's Kubernetes version", async () => {
    const run = await runProgram(base({ nodePools: [{ name: "t4", gpu: "t4", maxNodes: 1 }] }), (token, inputs) =>
      token === "aws:eks/getAddonVersion:getAddonVersion" && inputs.addonName === "coredns" ? { ...inputs, version: "v1.12.4-eksbuild.1" } : undefined,
    );
    expect(run.error).toBeUndefined();
    expect(summaryOf(run).deploy.warnings).toContainEqual(
      expect.stringMatching(/^the coredns add-on pinned for Kubernetes 1\.35 \(v1\.13\.2-eksbuild\.4, catalog\/versions\.ts\) is newer than the most recent EKS lists for it \(v1\.12\.4-eksbuild\.1\)/),
    );
  });
});
