/**
 * What still bills once a stack is destroyed, or after a destroy that failed: storage and load
 * balancers made in the cluster outside the stack, retained storage, and the billing resources a
 * failed destroy left in the state. The reaper reports them and never deletes them. Pure.
 *
 * Prices, us-east-1, mid-2026: EBS gp3 $0.08 per GB-month of provisioned size, applied to the
 * volume's size in GiB as EBS sizes volumes (https://aws.amazon.com/ebs/pricing/);
 * Network Load Balancer $0.0225/h and Classic $0.025/h before capacity units
 * (https://aws.amazon.com/elasticloadbalancing/pricing/); a public IPv4 address $0.005/h
 * (https://aws.amazon.com/vpc/pricing/); EKS and NAT as plan/cost.ts.
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Service } from "@kubernetes/client-node";
import { EKS_CONTROL_PLANE_PER_HOUR, NAT_GATEWAY_PER_HOUR } from "../plan/cost";
import type { StackResource } from "./types";

export interface Leftover {
  readonly what: string;
  readonly why: string;
  /** $/month where known. */
  readonly perMonth?: number;
}

const HOURS_PER_MONTH = 730;
const EBS_GP3_PER_GB_MONTH = 0.08;
const NLB_PER_HOUR = 0.0225;
const CLB_PER_HOUR = 0.025;
const PUBLIC_IPV4_PER_HOUR = 0.005;
/** What the Pulumi Kubernetes provider labels its objects with; k8s/labels.ts sets it too. */
const MANAGED_BY = "app.kubernetes.io/managed-by";
/** The EBS CSI driver's name (https://github.com/kubernetes-sigs/aws-ebs-csi-driver). */
const EBS_CSI = "ebs.csi.aws.com";

/** EBS volumes behind claims made outside the stack, and LoadBalancer Services: they outlive the cluster. */
export function clusterLeftovers(pvcs: readonly V1PersistentVolumeClaim[], pvs: readonly V1PersistentVolume[], services: readonly V1Service[]): Leftover[] {
  const out: Leftover[] = [];
  const ours = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels?.[MANAGED_BY] === "pulumi";
  for (const pv of pvs) {
    const volume = pv.spec?.csi?.driver === EBS_CSI ? pv.spec.csi.volumeHandle : pv.spec?.awsElasticBlockStore?.volumeID;
    if (!volume || ours(pv)) continue;
    const claimRef = pv.spec?.claimRef;
    const claim = pvcs.find((c) => c.metadata?.namespace === claimRef?.namespace && c.metadata?.name === claimRef?.name);
    if (claim && ours(claim)) continue;
    const gib = gibibytes(pv.spec?.capacity?.storage);
    out.push({
      what: `EBS volume ${volume}${gib !== undefined ? ` (${gib} GiB)` : ""}${claimRef ? ` of claim ${claimRef.namespace}/${claimRef.name}` : ""}, made outside the stack`,
      why: `stays after the cluster (reclaim policy ${pv.spec?.persistentVolumeReclaimPolicy ?? "unset"}; nothing deletes it once the cluster is gone): delete it by hand when its data is no longer needed`,
      ...(gib !== undefined ? { perMonth: round(gib * EBS_GP3_PER_GB_MONTH) } : {}),
    });
  }
  for (const svc of services.filter((s) => s.spec?.type === "LoadBalancer")) {
    const nlb = svc.metadata?.annotations?.["service.beta.kubernetes.io/aws-load-balancer-type"] !== undefined || svc.spec?.loadBalancerClass !== undefined;
    const host = svc.status?.loadBalancer?.ingress?.[0]?.hostname;
    out.push({
      what: `LoadBalancer Service ${svc.metadata?.namespace}/${svc.metadata?.name}${host ? ` (${host})` : ""}`,
      why: "its load balancer outlives the cluster and holds network interfaces in the VPC, so the VPC's delete fails with DependencyViolation: delete the Service before the destroy",
      perMonth: round((nlb ? NLB_PER_HOUR : CLB_PER_HOUR) * HOURS_PER_MONTH),
    });
  }
  return out;
}

/** Storage the stack keeps on purpose (retainOnDelete, reclaim policy Retain): reported, never deleted. */
export function retainedStorage(resources: readonly StackResource[]): Leftover[] {
  return resources
    .filter((r) => r.retainOnDelete && !r.external && (r.type === "kubernetes:core/v1:PersistentVolume" || r.type.startsWith("aws:s3/") || r.type.startsWith("aws:fsx/") || r.type.startsWith("aws:efs/") || r.type === "aws:ebs/volume:Volume"))
    .map((r) => {
      const name = r.urn.split("::").pop();
      const spec = (r.outputs?.spec ?? r.inputs?.spec) as { capacity?: { storage?: string }; csi?: { driver?: string; volumeHandle?: string } } | undefined;
      const gib = gibibytes(spec?.capacity?.storage);
      const ebs = spec?.csi?.driver === EBS_CSI;
      return {
        what: `retained ${r.type.split(":").pop()} ${name}${gib !== undefined ? ` (${gib} GiB)` : ""}${spec?.csi?.volumeHandle ? ` on ${spec.csi.volumeHandle}` : ""}`,
        why: "kept by design (retainOnDelete): its data stays, and so does its storage bill",
        ...(ebs && gib !== undefined ? { perMonth: round(gib * EBS_GP3_PER_GB_MONTH) } : {}),
      };
    });
}

/** Hourly-billing resources still in a stack's state after a destroy that failed. */
export function billingInState(resources: readonly StackResource[]): Leftover[] {
  const hourly: Readonly<Record<string, [string, number | undefined]>> = {
    "aws:eks/cluster:Cluster": ["EKS control plane", EKS_CONTROL_PLANE_PER_HOUR],
    "aws:ec2/natGateway:NatGateway": ["NAT gateway", NAT_GATEWAY_PER_HOUR],
    "aws:ec2/eip:Eip": ["Elastic IP", PUBLIC_IPV4_PER_HOUR],
    "aws:eks/nodeGroup:NodeGroup": ["node group (its nodes)", undefined],
    "aws:ecr/repository:Repository": ["ECR repository (its images' storage)", undefined],
  };
  return resources
    .filter((r) => hourly[r.type] && !r.retainOnDelete && !r.external)
    .map((r) => {
      const [label, perHour] = hourly[r.type];
      return { what: `${label} ${r.urn.split("::").pop()}`, why: "still in the state after the failed destroy: it bills until a destroy succeeds", ...(perHour !== undefined ? { perMonth: round(perHour * HOURS_PER_MONTH) } : {}) };
    });
}

export function describeLeftover(l: Leftover): string {
  return `${l.what}${l.perMonth !== undefined ? `, about $${l.perMonth.toFixed(2)}/month` : ""}: ${l.why}`;
}

/** "100Gi", "500G", "1Ti" to GiB; undefined for what is not a size. */
function gibibytes(q: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q ?? "");
  if (!m) return undefined;
  const factor: Record<string, number> = { Ki: 1 / 1024 ** 2, Mi: 1 / 1024, Gi: 1, Ti: 1024, K: 1e3 / 1024 ** 3, M: 1e6 / 1024 ** 3, G: 1e9 / 1024 ** 3, T: 1e12 / 1024 ** 3 };
  return Math.round(Number(m[1]) * (m[2] ? factor[m[2]] : 1 / 1024 ** 3) * 100) / 100;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
