/**
 * EC2 GPU instance types (us-east-1 on-demand prices, mid-2026) and the choice of the cheapest
 * type that fits a request. One row per type, every fact a named field, so that adding a GPU type
 * is one row here and nothing elsewhere (tests/catalog.test.ts checks every row has every field).
 *
 * Sources, per field:
 * - gpus, vcpus, memoryGiB: "Specifications for Amazon EC2 accelerated computing instances",
 *   https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html (Performance specifications; read
 *   December 2026), which lists every size of each family here.
 * - pricePerHour: AWS's public price list (us-east-1, Linux, shared tenancy, on-demand), as
 *   karpenter-provider-aws records it in pkg/providers/pricing/zz_generated.pricing_aws.go at
 *   commit 1d927085dd81 ("generated at 2026-07-20T13:44:30Z for us-east-1"), rounded to a tenth of
 *   a cent (PRICE_LIST below). p5e.48xlarge has no on-demand row in any region of that list.
 * - efaInterfaces: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
 *   and the Network specifications of the ac.html page above: EFA yes/no per size, and one EFA
 *   interface per network card (p5e 32, p5en 16, p6-b200 8, g6e.24xlarge 2, g6e.48xlarge 4).
 * - gpuDirectRdma: the platform table of the aws-ofi-nccl plugin, which refuses to start without
 *   GPUDirect RDMA ("GDR") on the types that have it: `gdr_required = true` for p4d.24xlarge,
 *   p4de.24xlarge, p5/p5e.48xlarge and p5en/p6-b200, `false` for p5.4xlarge and g5.48xlarge, no
 *   entry for the other g4dn/g5/g6/g6e types (platform_data_map in
 *   https://github.com/aws/aws-ofi-nccl/blob/2daf7d303aa139a03140aa530957d10521e4478d/src/platform-aws.cpp).
 * - maxPods: the figure the EKS AL2023 AMI's nodeadm computes for the type, ENIs of the default
 *   network card x (IPv4 addresses per ENI - 1) + 2 (CalcMaxPods over instance-info.jsonl in
 *   https://github.com/awslabs/amazon-eks-ami/tree/81fec2e895854f599974fe4d3d72f61c0a9aaffa/nodeadm/internal/kubelet);
 *   the AMI's eni-max-pods.txt lists the same figures
 *   (https://github.com/awslabs/amazon-eks-ami/blob/0254c5b490f819627461d1b24f87e440cbdb251f/templates/shared/runtime/eni-max-pods.txt).
 *   A managed node group caps the kubelet's own maxPods at 110 below 30 vCPUs and 250 above
 *   (https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html#max-pods-precedence),
 *   but nodeadm sizes kube-reserved memory from this figure regardless (withDefaultReservedResources
 *   in config.go; its e2e case custom-max-pods-expression/kubelet-config-max-pods reserves
 *   255 + 11 x 60 MiB under a user maxPods of 1). The earlier guess from vCPUs (110 below 30, else
 *   737) overstated the reserve of most types and understated p5.4xlarge's (118).
 */
import { GpuType, gpuSpec } from "./gpus";

export interface InstanceSpec {
  readonly type: string;
  readonly gpu: GpuType;
  readonly gpus: number;
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Elastic Fabric Adapter interfaces; 0 where the type has none. */
  readonly efaInterfaces: number;
  /** Whether EFA on this type reads and writes GPU memory directly (GPUDirect RDMA); false without EFA. */
  readonly gpuDirectRdma: boolean;
  /** The ENI-based max pods of the type, from which the EKS AL2023 AMI sizes kube-reserved memory. */
  readonly maxPods: number;
  /**
   * On-demand $/hour in us-east-1 (PRICE_LIST); undefined where AWS sells the type only as
   * Capacity Blocks (no on-demand price).
   */
  readonly pricePerHour: number | undefined;
}

/** Where the prices come from and on which day: the catalog is the offline cache of the price list. */
export const PRICE_LIST = {
  file: "catalog/instances.ts",
  region: "us-east-1",
  date: "2026-07-20",
  source: "AWS Price List (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/us-east-1/index.json), via karpenter-provider-aws zz_generated.pricing_aws.go",
} as const;

export const INSTANCES: readonly InstanceSpec[] = [
  { type: "p4d.24xlarge", gpu: "a100-40gb", gpus: 8, vcpus: 96, memoryGiB: 1152, efaInterfaces: 4, gpuDirectRdma: true, maxPods: 737, pricePerHour: 21.96 },
  { type: "p4de.24xlarge", gpu: "a100-80gb", gpus: 8, vcpus: 96, memoryGiB: 1152, efaInterfaces: 4, gpuDirectRdma: true, maxPods: 737, pricePerHour: 27.45 },
  { type: "g4dn.xlarge", gpu: "t4", gpus: 1, vcpus: 4, memoryGiB: 16, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 29, pricePerHour: 0.526 },
  { type: "g4dn.2xlarge", gpu: "t4", gpus: 1, vcpus: 8, memoryGiB: 32, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 29, pricePerHour: 0.752 },
  { type: "g4dn.4xlarge", gpu: "t4", gpus: 1, vcpus: 16, memoryGiB: 64, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 29, pricePerHour: 1.204 },
  { type: "g4dn.8xlarge", gpu: "t4", gpus: 1, vcpus: 32, memoryGiB: 128, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 58, pricePerHour: 2.176 },
  { type: "g4dn.12xlarge", gpu: "t4", gpus: 4, vcpus: 48, memoryGiB: 192, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 234, pricePerHour: 3.912 },
  { type: "g4dn.16xlarge", gpu: "t4", gpus: 1, vcpus: 64, memoryGiB: 256, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 58, pricePerHour: 4.352 },
  { type: "g4dn.metal", gpu: "t4", gpus: 8, vcpus: 96, memoryGiB: 384, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 7.824 },
  { type: "g5.xlarge", gpu: "a10g", gpus: 1, vcpus: 4, memoryGiB: 16, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 58, pricePerHour: 1.006 },
  { type: "g5.2xlarge", gpu: "a10g", gpus: 1, vcpus: 8, memoryGiB: 32, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 58, pricePerHour: 1.212 },
  { type: "g5.4xlarge", gpu: "a10g", gpus: 1, vcpus: 16, memoryGiB: 64, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 234, pricePerHour: 1.624 },
  { type: "g5.8xlarge", gpu: "a10g", gpus: 1, vcpus: 32, memoryGiB: 128, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 234, pricePerHour: 2.448 },
  { type: "g5.12xlarge", gpu: "a10g", gpus: 4, vcpus: 48, memoryGiB: 192, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 5.672 },
  { type: "g5.16xlarge", gpu: "a10g", gpus: 1, vcpus: 64, memoryGiB: 256, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 234, pricePerHour: 4.096 },
  { type: "g5.24xlarge", gpu: "a10g", gpus: 4, vcpus: 96, memoryGiB: 384, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 8.144 },
  { type: "g5.48xlarge", gpu: "a10g", gpus: 8, vcpus: 192, memoryGiB: 768, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 345, pricePerHour: 16.288 },
  { type: "g6.xlarge", gpu: "l4", gpus: 1, vcpus: 4, memoryGiB: 16, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 58, pricePerHour: 0.805 },
  { type: "g6.2xlarge", gpu: "l4", gpus: 1, vcpus: 8, memoryGiB: 32, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 58, pricePerHour: 0.978 },
  { type: "g6.4xlarge", gpu: "l4", gpus: 1, vcpus: 16, memoryGiB: 64, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 234, pricePerHour: 1.323 },
  { type: "g6.8xlarge", gpu: "l4", gpus: 1, vcpus: 32, memoryGiB: 128, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 234, pricePerHour: 2.014 },
  { type: "g6.12xlarge", gpu: "l4", gpus: 4, vcpus: 48, memoryGiB: 192, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 234, pricePerHour: 4.602 },
  { type: "g6.16xlarge", gpu: "l4", gpus: 1, vcpus: 64, memoryGiB: 256, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 3.397 },
  { type: "g6.24xlarge", gpu: "l4", gpus: 4, vcpus: 96, memoryGiB: 384, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 6.675 },
  { type: "g6.48xlarge", gpu: "l4", gpus: 8, vcpus: 192, memoryGiB: 768, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 13.35 },
  { type: "g6e.xlarge", gpu: "l40s", gpus: 1, vcpus: 4, memoryGiB: 32, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 58, pricePerHour: 1.861 },
  { type: "g6e.2xlarge", gpu: "l40s", gpus: 1, vcpus: 8, memoryGiB: 64, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 58, pricePerHour: 2.242 },
  { type: "g6e.4xlarge", gpu: "l40s", gpus: 1, vcpus: 16, memoryGiB: 128, efaInterfaces: 0, gpuDirectRdma: false, maxPods: 234, pricePerHour: 3.004 },
  { type: "g6e.8xlarge", gpu: "l40s", gpus: 1, vcpus: 32, memoryGiB: 256, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 234, pricePerHour: 4.529 },
  { type: "g6e.12xlarge", gpu: "l40s", gpus: 4, vcpus: 48, memoryGiB: 384, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 292, pricePerHour: 10.493 },
  { type: "g6e.16xlarge", gpu: "l40s", gpus: 1, vcpus: 64, memoryGiB: 512, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 737, pricePerHour: 7.577 },
  { type: "g6e.24xlarge", gpu: "l40s", gpus: 4, vcpus: 96, memoryGiB: 768, efaInterfaces: 2, gpuDirectRdma: false, maxPods: 492, pricePerHour: 15.066 },
  { type: "g6e.48xlarge", gpu: "l40s", gpus: 8, vcpus: 192, memoryGiB: 1536, efaInterfaces: 4, gpuDirectRdma: false, maxPods: 492, pricePerHour: 30.131 },
  // p5.4xlarge: EFA on its one network card (ac.html, Network specifications: "EFA ✓ Yes", 1 card);
  // aws-ofi-nccl does not require GPUDirect RDMA on it (gdr_required false, its commit eae939285260).
  { type: "p5.4xlarge", gpu: "h100", gpus: 1, vcpus: 16, memoryGiB: 256, efaInterfaces: 1, gpuDirectRdma: false, maxPods: 118, pricePerHour: 6.88 },
  { type: "p5.48xlarge", gpu: "h100", gpus: 8, vcpus: 192, memoryGiB: 2048, efaInterfaces: 32, gpuDirectRdma: true, maxPods: 100, pricePerHour: 55.04 },
  // p5e.48xlarge: AWS's price list has no on-demand price for it in any region (it is sold as EC2
  // Capacity Blocks for ML): the cheapest-fit choice never picks it, and a pool that pins it shows no $/h.
  { type: "p5e.48xlarge", gpu: "h200", gpus: 8, vcpus: 192, memoryGiB: 2048, efaInterfaces: 32, gpuDirectRdma: true, maxPods: 100, pricePerHour: undefined },
  { type: "p5en.48xlarge", gpu: "h200", gpus: 8, vcpus: 192, memoryGiB: 2048, efaInterfaces: 16, gpuDirectRdma: true, maxPods: 198, pricePerHour: 63.296 },
  { type: "p6-b200.48xlarge", gpu: "b200", gpus: 8, vcpus: 192, memoryGiB: 2048, efaInterfaces: 8, gpuDirectRdma: true, maxPods: 198, pricePerHour: 113.933 },
];

export function findInstance(type: string): InstanceSpec | undefined {
  return INSTANCES.find((i) => i.type === type);
}

export function instancesFor(gpu: GpuType): InstanceSpec[] {
  return INSTANCES.filter((i) => i.gpu === gpu);
}

/** The most GPUs one EC2 instance of this GPU type has (0 when AWS has none). */
export function maxGpusPerInstance(gpu: GpuType): number {
  return Math.max(0, ...instancesFor(gpu).map((i) => i.gpus));
}

/** A type with an on-demand price. */
export type PricedInstance = InstanceSpec & { readonly pricePerHour: number };

export type InstanceChoice =
  | { readonly ok: true; readonly instance: InstanceSpec; readonly reason: string }
  | { readonly ok: false; readonly problem: string; readonly allowed: string };

/**
 * The cheapest instance type of `gpu` with at least `gpus` GPUs; ties go to the smaller node.
 * The reason names the runner-up so the plan shows what the choice saved. Types without an
 * on-demand price (Capacity Blocks only) are never chosen: only a pool that pins one gets it.
 */
export function chooseInstance(gpu: GpuType, gpus: number): InstanceChoice {
  const spec = gpuSpec(gpu);
  const all = instancesFor(gpu);
  if (all.length === 0) {
    return {
      ok: false,
      problem: `no EC2 instance type has the ${spec.displayName}`,
      allowed: `an off-AWS pool (kind: hybrid or an existing cluster), or an AWS GPU: ${awsGpuTypes().join(", ")}`,
    };
  }
  const fits = all
    .filter((i): i is PricedInstance => i.gpus >= gpus && i.pricePerHour !== undefined)
    .sort((a, b) => a.pricePerHour - b.pricePerHour || a.gpus - b.gpus);
  if (fits.length === 0) {
    const most = maxGpusPerInstance(gpu);
    return {
      ok: false,
      problem: `exceeds the ${most} GPUs of the largest ${spec.displayName} instance (${all.find((i) => i.gpus === most)!.type})`,
      allowed: `1-${most}; use more nodes for more GPUs`,
    };
  }
  const [best, next] = fits;
  const unused = best.gpus - gpus;
  const parts = [`cheapest ${spec.displayName} type with >= ${gpus} GPU${gpus === 1 ? "" : "s"} at $${best.pricePerHour.toFixed(3)}/h`];
  if (next) parts.push(`next: ${next.type} at $${next.pricePerHour.toFixed(3)}/h`);
  if (unused > 0) parts.push(`${unused} of its ${best.gpus} GPUs stay unused`);
  return { ok: true, instance: best, reason: parts.join("; ") };
}

export function awsGpuTypes(): GpuType[] {
  return [...new Set(INSTANCES.map((i) => i.gpu))];
}
