import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../config/errors";
import { load, problemsOf } from "../helpers/config";
import { planStack } from "../helpers/plan";

const HYBRID = { remoteNodeCidrs: ["192.168.10.0/24"] };

describe("network rules for EKS", () => {
  it("accepts the defaults and the example hybrid networks", () => {
    expect(load({ cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { ...HYBRID, remotePodCidrs: ["192.168.64.0/18"] } } }).cluster).toMatchObject({ mode: "create" });
  });

  it("requires a service CIDR EKS accepts (/12 to /24)", () => {
    expect(problemsOf(() => load({ cluster: { mode: "create", serviceCidr: "172.20.0.0/25" } }))).toEqual([
      'cluster.serviceCidr: must be a /12 to /24 network (got "172.20.0.0/25"; EKS accepts service CIDRs from /12 to /24)',
    ]);
    expect(problemsOf(() => load({ cluster: { mode: "create", serviceCidr: "10.64.0.0/11" } }))).toEqual([
      'cluster.serviceCidr: must be a /12 to /24 network (got "10.64.0.0/11"; EKS accepts service CIDRs from /12 to /24)',
    ]);
  });

  it("requires a VPC the subnet layout fits (/16 to /22)", () => {
    expect(problemsOf(() => load({ cluster: { mode: "create", vpcCidr: "10.0.0.0/24" } }))).toEqual([
      'cluster.vpcCidr: must be a /16 to /22 network (got "10.0.0.0/24"; AWS VPCs are at most /16, and the zones\' subnets need at least a /22)',
    ]);
    expect(problemsOf(() => load({ cluster: { mode: "create", vpcCidr: "10.0.0.0/15" } }))[0]).toMatch(/^cluster\.vpcCidr: must be a \/16 to \/22 network/);
    expect(load({ cluster: { mode: "create", vpcCidr: "10.8.0.0/22" } }).cluster).toMatchObject({ vpcCidr: "10.8.0.0/22" });
  });

  it("checks the Transit Gateway id's form", () => {
    expect(load({ cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { ...HYBRID, transitGatewayId: "tgw-0123456789abcdef0" } } }).cluster).toMatchObject({
      hybrid: { transitGatewayId: "tgw-0123456789abcdef0" },
    });
    expect(problemsOf(() => load({ cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { ...HYBRID, transitGatewayId: "vgw-123" } } }))[0]).toMatch(
      /^cluster\.hybrid\.transitGatewayId: must be a Transit Gateway id such as tgw-0123456789abcdef0/,
    );
  });

  it("stops the plan of a stack whose hybrid network is public or overlaps, before any resource", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-bad-hybrid-"));
    const file = path.join(dir, "Pulumi.bad-hybrid.yaml");
    fs.writeFileSync(
      file,
      [
        "config:",
        "  gpu-training-clusters:cluster:",
        "    mode: create",
        "    hybrid:",
        '      remoteNodeCidrs: ["8.8.8.0/24", "10.0.1.0/24"]',
        "  gpu-training-clusters:nodePools:",
        "    - { name: r, gpu: rtx4090, kind: hybrid }",
        "",
      ].join("\n"),
    );
    const error = await planStack(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The plan loads its own copy of the config modules, so compare by name, not by class.
    expect((error as Error).name).toBe("ConfigError");
    expect((error as ConfigError).message).toContain(
      'cluster.hybrid.remoteNodeCidrs[0]: must be a private RFC 1918 range (got "8.8.8.0/24"; allowed within 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)',
    );
    expect((error as ConfigError).message).toContain('cluster.hybrid.remoteNodeCidrs[1]: overlaps cluster.vpcCidr (got "10.0.1.0/24" and "10.0.0.0/16"; the networks must be disjoint)');
  });
});
