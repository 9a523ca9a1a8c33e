/** The pure deploy-time rules: versions on a fixed day, zones, offerings, quotas, FSx VPCs. */
import { KUBERNETES_VERSIONS, VERSION_SUPPORT, checkVersionSupport } from "../catalog/kubernetes-versions";
import { AUTOSCALER_CHARTS, ADDON_VERSIONS } from "../catalog/versions";
import { AccountFacts, EKS_REFUSED_ZONE_IDS, accountRules, quotaFor } from "../plan/account";
import { sourceAccountRules, sourceUses } from "../config/sources";
import type { FileSystemFact } from "../config/sources/fsx";
import type { StackSpec } from "../config/spec";
import { buildPlan } from "../plan/plan";
import { deployDecision } from "../plan/deploy-gate";
import { load } from "./helpers/config";

const day = (d: string) => new Date(`${d}T12:00:00Z`);

describe("Kubernetes support dates (fixed clock)", () => {
  it("has a row, add-on pins and an autoscaler of the same minor for every version offered", () => {
    for (const v of KUBERNETES_VERSIONS) {
      expect(VERSION_SUPPORT[v].endOfStandardSupport < VERSION_SUPPORT[v].endOfExtendedSupport).toBe(true);
      expect(ADDON_VERSIONS[v]["kube-proxy"]).toMatch(new RegExp(`^v${v.replace(".", "\\.")}\\.`));
      expect(AUTOSCALER_CHARTS[v].appVersion).toMatch(new RegExp(`^${v.replace(".", "\\.")}\\.`));
    }
  });

  it("refuses an ended version with STANDARD, saying what to do and what extended support costs", () => {
    const v = checkVersionSupport("1.33", "STANDARD", day("2026-11-29"));
    expect(v.phase).toBe("extended");
    expect(v.problems[0]).toContain("left EKS standard support on 2026-07-29");
    expect(v.problems[0]).toContain('set cluster.kubernetesVersion: "1.35"');
    expect(v.problems[0]).toContain("cluster.supportType: EXTENDED");
    expect(v.problems[0]).toContain("EKS creates no new cluster on it, and a cluster already on it has to be upgraded or moved to extended support");
    expect(v.problems[0]).toContain("$0.60/h instead of $0.10/h");
    expect(checkVersionSupport("1.32", "STANDARD", day("2026-11-29")).problems).toHaveLength(1);
  });

  it("takes an ended version with EXTENDED at the extended price until its end", () => {
    const v = checkVersionSupport("1.33", "EXTENDED", day("2026-11-29"));
    expect(v.problems).toEqual([]);
    expect(v.controlPlanePerHour).toBe(0.6);
    expect(v.endDate).toBe("2027-07-29");
    expect(checkVersionSupport("1.32", "EXTENDED", day("2027-03-24")).problems[0]).toContain("left EKS extended support on 2027-03-23");
  });

  it("warns a few days before standard support ends, and not on its last day's eve otherwise", () => {
    const v = checkVersionSupport("1.34", "STANDARD", day("2026-11-29"));
    expect(v.problems).toEqual([]);
    expect(v.warnings[0]).toMatch(/leaves standard support on 2026-12-02 \(in 3 days\)/);
    expect(checkVersionSupport("1.34", "STANDARD", day("2026-12-03")).problems).toHaveLength(1);
    expect(checkVersionSupport("1.35", "STANDARD", day("2026-11-29"))).toMatchObject({ phase: "standard", endDate: "2027-03-27", problems: [], warnings: [] });
  });
});

describe("the version rule against the account and in the offline plan", () => {
  const spec = () => load({ cluster: { mode: "create" }, nodePools: [{ name: "t4", gpu: "t4" }] });
  it("refuses a default version past its support when the account answers, and only warns offline, naming the dated table", () => {
    const s = spec();
    const plan = buildPlan(s);
    const account = deployDecision(s, plan, undefined, { now: day("2027-06-01"), facts: "account" });
    expect(account.problems.map((p) => p.path)).toEqual(["cluster.kubernetesVersion"]);
    const offline = deployDecision(s, plan, undefined, { now: day("2027-06-01"), facts: "offline" });
    expect(offline.problems).toEqual([]);
    expect(offline.warnings).toHaveLength(1);
    expect(offline.warnings[0]).toContain("left EKS standard support on 2027-03-27");
    expect(offline.warnings[0]).toContain("catalog/kubernetes-versions.ts (checked ");
    expect(offline.warnings[0]).toContain("`pulumi preview` refuses the stack on it");
    expect(offline.checkedOn).toBe("2027-06-01");
  });
  it("says nothing of the table on a day it holds", () => {
    const s = spec();
    const d = deployDecision(s, buildPlan(s), undefined, { now: day("2026-12-01"), facts: "offline" });
    expect(d.problems).toEqual([]);
    expect(d.warnings).toEqual([]);
  });
});

const stack = (config: Record<string, unknown>) => {
  const spec = load({ cluster: { mode: "create" }, ...config });
  return { spec, plan: buildPlan(spec) };
};
const facts = (over: Partial<AccountFacts> = {}): AccountFacts => ({
  region: "us-east-1",
  zones: [
    { name: "us-east-1a", id: "use1-az3" },
    { name: "us-east-1b", id: "use1-az6" },
    { name: "us-east-1c", id: "use1-az1" },
    { name: "us-east-1d", id: "use1-az2" },
  ],
  offerings: {},
  quotas: {},
  ...over,
});

describe("zones and offerings", () => {
  it("excludes the zone IDs EKS refuses, whatever their names", () => {
    expect(EKS_REFUSED_ZONE_IDS).toEqual(["use1-az3", "usw1-az2", "cac1-az3"]);
    const { spec, plan } = stack({ nodePools: [{ name: "t4", gpu: "t4" }] });
    const d = accountRules(spec, plan, facts());
    expect(d.zones.map((z) => z.name)).toEqual(["us-east-1b", "us-east-1c"]);
    expect(d.refusedZones).toEqual([{ name: "us-east-1a", id: "use1-az3" }]);
  });

  it("covers every pool's type, gives each pool its zones, and an EFA pool one zone", () => {
    const { spec, plan } = stack({ nodePools: [{ name: "t4", gpu: "t4", maxNodes: 2 }, { name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 }] });
    const d = accountRules(spec, plan, facts({ offerings: { "g4dn.xlarge": ["use1-az6", "use1-az1"], "p4d.24xlarge": ["use1-az2", "use1-az3"] } }));
    expect(d.problems).toEqual([]);
    expect(d.zones.map((z) => z.id)).toEqual(["use1-az6", "use1-az2"]);
    expect(d.poolPlacements).toEqual({ t4: [0], a100: [1] });
  });

  it("names type and region when only a refused zone offers it", () => {
    const { spec, plan } = stack({ nodePools: [{ name: "a100", gpu: "a100-40gb", gpusPerNode: 8 }] });
    const d = accountRules(spec, plan, facts({ offerings: { "p4d.24xlarge": ["use1-az3"] } }));
    expect(d.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "nodePools[0]: p4d.24xlarge is not offered in any zone of us-east-1 that EKS accepts (only in us-east-1a (use1-az3), where EKS refuses cluster subnets); choose another region (aws:region) or GPU type",
    ]);
  });

  it("invents no zone names when the zones cannot be read: the VPC's own lookup picks them", () => {
    const { spec, plan } = stack({ nodePools: [{ name: "t4", gpu: "t4" }] });
    const d = accountRules(spec, plan, facts({ zones: undefined, offerings: { "g4dn.xlarge": ["use1-az1"] } }));
    expect(d.problems).toEqual([]);
    expect(d.zones).toEqual([]);
    expect(d.poolPlacements).toEqual({});
    expect(d.warnings.join("\n")).toMatch(/zones of us-east-1 could not be read: the VPC uses the region's first 2 Availability Zones/);
  });

  it("refuses a subnet of cluster.vpc whose lookup failed, naming its index", () => {
    const vpc = { id: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0000000000000000a", "subnet-0000000000000000b"] };
    const { spec, plan } = stack({ cluster: { mode: "create", vpc }, nodePools: [] });
    const d = accountRules(spec, plan, facts({ subnets: [{ id: "subnet-0000000000000000a", vpcId: vpc.id, zone: { name: "us-east-1b", id: "use1-az6" } }, { id: "subnet-0000000000000000b", lookupError: "InvalidSubnetID.NotFound" }] }));
    expect(d.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "cluster.vpc.privateSubnetIds[1]: could not be found in us-east-1 (got subnet-0000000000000000b; the lookup said: InvalidSubnetID.NotFound). Name private subnets of cluster.vpc.id vpc-0123456789abcdef0 that this account can read",
    ]);
  });

  it("reports too few usable zones for availabilityZones", () => {
    const { spec, plan } = stack({ cluster: { mode: "create", availabilityZones: 4 }, nodePools: [] });
    expect(accountRules(spec, plan, facts()).problems[0].message).toMatch(/asks for 4 zones, but us-east-1 has 3 that EKS accepts/);
  });

  it("checks the subnets of an existing VPC: its VPC, refused zones, offerings", () => {
    const vpc = { id: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"] };
    const { spec, plan } = stack({ cluster: { mode: "create", vpc }, nodePools: [{ name: "t4", gpu: "t4" }] });
    const d = accountRules(
      spec,
      plan,
      facts({
        offerings: { "g4dn.xlarge": ["use1-az1"] },
        subnets: [
          { id: "subnet-0000000000000000a", vpcId: vpc.id, zone: { name: "us-east-1a", id: "use1-az3" } },
          { id: "subnet-0000000000000000b", vpcId: "vpc-0ffffffffffffffff", zone: { name: "us-east-1b", id: "use1-az6" } },
          { id: "subnet-0000000000000000c", vpcId: vpc.id, zone: { name: "us-east-1c", id: "use1-az1" } },
        ],
      }),
    );
    expect(d.problems.map((p) => p.path)).toEqual(["cluster.vpc.privateSubnetIds[0]", "cluster.vpc.privateSubnetIds[1]"]);
    expect(d.poolPlacements).toEqual({ t4: [2] });
  });
});

describe("quotas", () => {
  it("maps instance families to their quota codes", () => {
    expect(quotaFor("p4d.24xlarge", "on-demand")?.code).toBe("L-417A185B");
    expect(quotaFor("p5.48xlarge", "spot")?.code).toBe("L-7212CCBC");
    expect(quotaFor("g6.xlarge", "on-demand")?.code).toBe("L-DB2E81BA");
    expect(quotaFor("vt1.3xlarge", "on-demand")?.code).toBe("L-DB2E81BA");
    expect(quotaFor("g4dn.xlarge", "spot")?.code).toBe("L-3819A6DF");
    expect(quotaFor("m6i.large", "on-demand")).toBeUndefined();
  });

  it("an unread quota is a warning; a 0 quota blocks the experiment", () => {
    const { spec, plan } = stack({ nodePools: [{ name: "t4", gpu: "t4" }], experiment: { name: "e", pool: "t4" } });
    expect(accountRules(spec, plan, facts()).problems).toEqual([]);
    expect(accountRules(spec, plan, facts()).warnings.join("\n")).toMatch(/L-DB2E81BA\) in us-east-1 could not be read/);
    const blocked = accountRules(spec, plan, facts({ quotas: { "L-DB2E81BA": 0 } }));
    expect(blocked.problems[0]).toMatchObject({ path: "experiment.nodes" });
    expect(blocked.problems[0].message).toContain("--quota-code L-DB2E81BA --desired-value 4 --region us-east-1");
  });
});

describe("FSx access", () => {
  const fsx = (extra: Record<string, unknown> = {}) => ({
    name: "d",
    mountPath: "/data",
    source: { type: "fsx", fileSystemId: "fs-0123456789abcdef0", dnsName: "fs-0123456789abcdef0.fsx.us-east-1.amazonaws.com", mountName: "abcdefgh", ...extra },
  });
  const specWith = (cluster: Record<string, unknown>) => load({ cluster: { mode: "create", ...cluster }, nodePools: [{ name: "t4", gpu: "t4" }], experiment: { name: "e", pool: "t4", datasets: [fsx()] } });
  const vpc = { id: "vpc-0123456789abcdef0", privateSubnetIds: ["subnet-0000000000000000a", "subnet-0000000000000000b"] };
  // The rules of the fsx kind, through the registry as the program runs them.
  const fsxRules = (spec: StackSpec, facts: FileSystemFact[]) => {
    const network = { vpcId: spec.cluster.mode === "create" ? spec.cluster.vpc?.id : undefined, known: true };
    const d = sourceAccountRules(sourceUses(spec.experiment!), { fsx: facts }, network);
    return { securityGroupIds: [...new Set(d.ingress.map((i) => i.securityGroupId))], ingress: d.ingress, problems: d.problems, warnings: d.warnings };
  };

  it("explains the options when the file system is not in a VPC the cluster can use", () => {
    const created = fsxRules(specWith({}), [{ id: "fs-0123456789abcdef0", vpcId: "vpc-0aaaaaaaaaaaaaaaa", securityGroupIds: ["sg-1"] }]);
    expect(created.problems[0].message).toMatch(/lives in vpc-0aaaaaaaaaaaaaaaa, but this stack creates a new VPC.*cluster\.vpc: \{ id: vpc-0aaaaaaaaaaaaaaaa/);
    const other = fsxRules(specWith({ vpc }), [{ id: "fs-0123456789abcdef0", vpcId: "vpc-0aaaaaaaaaaaaaaaa" }]);
    expect(other.problems[0].message).toMatch(/not in cluster\.vpc\.id vpc-0123456789abcdef0/);
  });

  it("opens the file system's security groups, checks its names, warns on unknowns", () => {
    const ok = fsxRules(specWith({ vpc }), [{ id: "fs-0123456789abcdef0", vpcId: vpc.id, mountName: "abcdefgh", securityGroupIds: ["sg-2", "sg-1"] }]);
    expect(ok).toMatchObject({ securityGroupIds: ["sg-1", "sg-2"], problems: [], warnings: [] });
    // Each group of the file system lets the nodes in, and the nodes let it in (the FSx docs' client rules).
    expect(ok.ingress.map((i) => [i.key, i.securityGroupId, i.fromPort, i.toPort, Boolean(i.toNodes)])).toEqual([
      ["lustre-sg-1-988", "sg-1", 988, 988, false],
      ["lustre-clients-sg-1-988", "sg-1", 988, 988, true],
      ["lustre-sg-1-1018", "sg-1", 1018, 1023, false],
      ["lustre-clients-sg-1-1018", "sg-1", 1018, 1023, true],
      ["lustre-sg-2-988", "sg-2", 988, 988, false],
      ["lustre-clients-sg-2-988", "sg-2", 988, 988, true],
      ["lustre-sg-2-1018", "sg-2", 1018, 1023, false],
      ["lustre-clients-sg-2-1018", "sg-2", 1018, 1023, true],
    ]);
    const wrong = fsxRules(specWith({ vpc }), [{ id: "fs-0123456789abcdef0", vpcId: vpc.id, mountName: "zzzz", securityGroupIds: [] }]);
    expect(wrong.problems.map((p) => p.path)).toEqual(["experiment.datasets[0].source.mountName"]);
    const unknown = fsxRules(specWith({ vpc }), [{ id: "fs-0123456789abcdef0" }]);
    expect(unknown.problems).toEqual([]);
    expect(unknown.warnings).toHaveLength(2);
  });

  it("names the dataset's fileSystemId when the read of the file system failed", () => {
    const failed = fsxRules(specWith({ vpc }), [{ id: "fs-0123456789abcdef0", readError: "FileSystemNotFound" }]);
    expect(failed.problems.map((p) => p.path)).toEqual(["experiment.datasets[0].source.fileSystemId"]);
    expect(failed.problems[0].message).toContain("FileSystemNotFound");
  });
});
