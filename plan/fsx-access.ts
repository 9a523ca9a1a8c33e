/**
 * FSx for Lustre volumes against the file systems the account really has: the nodes must sit in
 * the file system's VPC, and the names a stack writes must be the file system's own. Pure: the
 * lookup is components/aws/account-facts.ts.
 *
 * Lustre clients reach the file system on TCP 988 and 1018-1023:
 * https://docs.aws.amazon.com/fsx/latest/LustreGuide/limit-access-security-groups.html
 */
import type { Problem } from "../config/errors";
import { show } from "../config/errors";
import type { StackSpec } from "../config/spec";

export const LUSTRE_PORTS: readonly { readonly from: number; readonly to: number }[] = [
  { from: 988, to: 988 },
  { from: 1018, to: 1023 },
];

export interface FileSystemFact {
  readonly id: string;
  readonly vpcId?: string;
  readonly dnsName?: string;
  readonly mountName?: string;
  /** Security groups of its network interfaces; undefined when unknown. */
  readonly securityGroupIds?: readonly string[];
  /** Why the read of the file system failed (no such file system, no right to read it). */
  readonly readError?: string;
}

export interface FsxVolumeRef {
  readonly path: string;
  readonly fileSystemId: string;
  readonly dnsName: string;
  readonly mountName: string;
}

export function fsxVolumes(spec: StackSpec): FsxVolumeRef[] {
  const e = spec.experiment;
  if (!e) return [];
  const all = [...e.datasets.map((v, i) => ({ path: `experiment.datasets[${i}]`, v })), ...(e.output ? [{ path: "experiment.output", v: e.output }] : [])];
  return all.flatMap(({ path, v }) => (v.source.type === "fsx" ? [{ path, fileSystemId: v.source.fileSystemId, dnsName: v.source.dnsName, mountName: v.source.mountName }] : []));
}

export interface FsxDecision {
  /** Security group → file systems whose Lustre ports the nodes must be let into. */
  readonly securityGroupIds: readonly string[];
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

export function fsxRules(spec: StackSpec, facts: readonly FileSystemFact[]): FsxDecision {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const groups = new Set<string>();
  if (spec.cluster.mode !== "create") return { securityGroupIds: [], problems, warnings };
  const vpc = spec.cluster.vpc;
  for (const ref of fsxVolumes(spec)) {
    const fs = facts.find((f) => f.id === ref.fileSystemId) ?? { id: ref.fileSystemId };
    const at = `${ref.path}.source`;
    if (fs.readError !== undefined) {
      problems.push({ path: `${at}.fileSystemId`, message: `could not be read (got ${show(ref.fileSystemId)}; the read said: ${fs.readError}). Name an FSx for Lustre file system of this account and region` });
      continue;
    }
    if (fs.vpcId === undefined) {
      warnings.push(`the VPC of FSx file system ${fs.id} could not be read: make sure the nodes can reach it on TCP 988 and 1018-1023`);
    } else if (!vpc) {
      problems.push({
        path: `${at}.fileSystemId`,
        message:
          `${fs.id} lives in ${fs.vpcId}, but this stack creates a new VPC, from which the nodes cannot reach it (the Lustre mount would hang and keep the node paid for). ` +
          `Run the cluster in that VPC with cluster.vpc: { id: ${fs.vpcId}, privateSubnetIds: [two or more private subnets of it] }, or use a file system in the cluster's VPC`,
      });
    } else if (vpc.id !== fs.vpcId) {
      problems.push({ path: `${at}.fileSystemId`, message: `${fs.id} lives in ${fs.vpcId}, not in cluster.vpc.id ${vpc.id} (set cluster.vpc to ${fs.vpcId} and its subnets, or use a file system in ${vpc.id})` });
    }
    if (fs.dnsName !== undefined && fs.dnsName !== ref.dnsName) {
      problems.push({ path: `${at}.dnsName`, message: `does not match file system ${fs.id} (got ${show(ref.dnsName)}; the file system's is ${show(fs.dnsName)})` });
    }
    if (fs.mountName !== undefined && fs.mountName !== ref.mountName) {
      problems.push({ path: `${at}.mountName`, message: `does not match file system ${fs.id} (got ${show(ref.mountName)}; the file system's is ${show(fs.mountName)})` });
    }
    if (fs.securityGroupIds === undefined) {
      warnings.push(`the security groups of FSx file system ${fs.id} could not be read: let the cluster security group in on TCP 988 and 1018-1023 yourself`);
    } else {
      for (const g of fs.securityGroupIds) groups.add(g);
    }
  }
  return { securityGroupIds: [...groups].sort(), problems, warnings };
}
