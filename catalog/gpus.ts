/**
 * The GPU catalog: one row per GPU model the product knows, keyed by a union type so a
 * typo is a compile error here and a config error for users.
 *
 * Compute capabilities: https://developer.nvidia.com/cuda-gpus
 */

export const GPU_TYPES = ["a100-40gb", "a100-80gb", "t4", "a10g", "l4", "h100", "rtx4090", "rtx5090"] as const;
export type GpuType = (typeof GPU_TYPES)[number];

/** A compute capability such as 8.0 (A100) or 12.0 (RTX 5090). */
export interface ComputeCapability {
  readonly major: number;
  readonly minor: number;
}

export interface GpuSpec {
  readonly displayName: string;
  readonly computeCapability: ComputeCapability;
  readonly memoryGiB: number;
  /**
   * Where the GPU can come from. `aws`: an EC2 instance type exists (see instances.ts).
   * `off-aws`: only machines outside AWS, joined as EKS Hybrid Nodes or in an existing cluster.
   */
  readonly source: "aws" | "off-aws";
}

const GPUS: Record<GpuType, GpuSpec> = {
  "a100-40gb": { displayName: "NVIDIA A100 40 GB", computeCapability: { major: 8, minor: 0 }, memoryGiB: 40, source: "aws" },
  "a100-80gb": { displayName: "NVIDIA A100 80 GB", computeCapability: { major: 8, minor: 0 }, memoryGiB: 80, source: "aws" },
  t4: { displayName: "NVIDIA T4", computeCapability: { major: 7, minor: 5 }, memoryGiB: 16, source: "aws" },
  a10g: { displayName: "NVIDIA A10G", computeCapability: { major: 8, minor: 6 }, memoryGiB: 24, source: "aws" },
  l4: { displayName: "NVIDIA L4", computeCapability: { major: 8, minor: 9 }, memoryGiB: 24, source: "aws" },
  h100: { displayName: "NVIDIA H100 80 GB", computeCapability: { major: 9, minor: 0 }, memoryGiB: 80, source: "aws" },
  // AWS offers no GeForce instance: these join from outside AWS.
  rtx4090: { displayName: "NVIDIA GeForce RTX 4090", computeCapability: { major: 8, minor: 9 }, memoryGiB: 24, source: "off-aws" },
  rtx5090: { displayName: "NVIDIA GeForce RTX 5090", computeCapability: { major: 12, minor: 0 }, memoryGiB: 32, source: "off-aws" },
};

export function gpuSpec(gpu: GpuType): GpuSpec {
  return GPUS[gpu];
}

/** `8.9` — the form nvidia-smi and the CUDA docs use. */
export function formatCapability(cc: ComputeCapability): string {
  return `${cc.major}.${cc.minor}`;
}

/** `sm_89` — the form in PyTorch's arch list and in nvcc's -arch flag. */
export function smName(cc: ComputeCapability): string {
  return `sm_${cc.major}${cc.minor}`;
}
