/**
 * Subnet maths for the cluster VPC. The VPC is cut into eight equal blocks: the first
 * `zones` blocks are the private subnets (nodes and, through the VPC CNI, every pod take an
 * address there, so they get the room), and the last block is cut into eight again for the
 * public subnets (NAT gateways and load balancers only). A /16 gives /19 private (8,187 usable
 * addresses) and /22 public subnets; a /22 VPC, the smallest allowed, gives /25 and /28.
 * AWS subnets must be /16 to /28: https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 */
import { parseCidr } from "../../../config/cidr";

export const MAX_ZONES = 6;
/** Largest VPC prefix the layout fits: the public subnets are VPC prefix + 6, and AWS stops at /28. */
export const MAX_VPC_PREFIX = 22;
/** AWS VPCs are /16 or smaller. */
export const MIN_VPC_PREFIX = 16;

export interface SubnetLayout {
  readonly private: readonly string[];
  readonly public: readonly string[];
}

export function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** The `index`-th block of `2^extraBits` equal blocks of `cidr`. */
export function subBlock(cidr: string, extraBits: number, index: number): string {
  const parent = parseCidr(cidr);
  if (!parent) throw new Error(`not a CIDR: ${cidr}`);
  const prefix = Number(cidr.split("/")[1]) + extraBits;
  if (prefix > 32) throw new Error(`${cidr} has no /${prefix} blocks`);
  if (index < 0 || index >= 2 ** extraBits) throw new Error(`${cidr} has ${2 ** extraBits} blocks of /${prefix}, not ${index + 1}`);
  return `${formatAddress(parent.start + index * 2 ** (32 - prefix))}/${prefix}`;
}

export function subnetLayout(vpcCidr: string, zones: number): SubnetLayout {
  const prefix = Number(vpcCidr.split("/")[1]);
  if (prefix < MIN_VPC_PREFIX || prefix > MAX_VPC_PREFIX) throw new Error(`VPC ${vpcCidr} must be /${MIN_VPC_PREFIX} to /${MAX_VPC_PREFIX}`);
  if (zones < 1 || zones > MAX_ZONES) throw new Error(`zones must be 1-${MAX_ZONES} (got ${zones})`);
  const publicBlock = subBlock(vpcCidr, 3, 7);
  return {
    private: Array.from({ length: zones }, (_, i) => subBlock(vpcCidr, 3, i)),
    public: Array.from({ length: zones }, (_, i) => subBlock(publicBlock, 3, i)),
  };
}

/** Tags the AWS load balancer integrations look for: https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html */
export function subnetTags(clusterName: string, tier: "public" | "private"): Record<string, string> {
  return {
    [`kubernetes.io/cluster/${clusterName}`]: "shared",
    [tier === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
  };
}
