/**
 * The GPU catalog: one row per GPU model the product knows, keyed by a union type so a
 * typo is a compile error here and a config error for users.
 *
 * Compute capabilities: https://developer.nvidia.com/cuda-gpus
 */

export const GPU_TYPES = ["a100-40gb", "a100-80gb", "t4", "a10g", "l4", "h100", "l40s", "h200", "b200", "rtx4090", "rtx5090"] as const;
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
  /**
   * The oldest Linux driver that runs this GPU at all, whatever the image: below it the card is not
   * found ("no CUDA-capable device is detected"). For most rows, the driver of the first CUDA
   * toolkit with the GPU's architecture (CUDA Toolkit release notes, table 3:
   * https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/): sm_75 CUDA 10.0 >= 410.48,
   * sm_80 CUDA 11.0 GA >= 450.51.06, sm_86 CUDA 11.1 >= 455.23, sm_89 and sm_90 CUDA 11.8 >= 520.61.05,
   * sm_120 CUDA 12.8 >= 570.26. Where NVIDIA names a later floor for a product, that one
   * (HGX B200: "requires a driver container version of 570.133.20 or later", GPU Operator
   * platform support, https://github.com/NVIDIA/cloud-native-docs/pull/184).
   */
  readonly driverFloor: string;
  /** The datasheet figures the in-pod GPU health check judges this GPU against (GpuHealthFigures). */
  readonly health: GpuHealthFigures;
}

/**
 * Datasheet peaks, which a short test on a healthy GPU does not reach: the check
 * (images/launcher/gpu_health.py) refuses only a figure far below them, or far below the node's
 * other GPUs. Sources: NVIDIA's datasheets as tabulated at glennklockwood.com/garden/processors
 * (A100, H100, B200), the L40S datasheet table, the Ada and Blackwell GeForce whitepapers (FP32
 * accumulate, half the FP16-accumulate rate); where NVIDIA prints only the with-sparsity figure
 * (L4 242, H200 1,979) the dense one is half of it. NVIDIA publishes no A10G datasheet: its figure
 * is the A10's (125 dense); the check's floor is loose enough for AWS's lower-clocked part.
 */
export interface GpuHealthFigures {
  /** Dense BF16 tensor TFLOPS with FP32 accumulate (FP16 on the T4, which has no BF16). */
  readonly matmulTflops: number;
  /** Memory bandwidth, GB/s. */
  readonly memoryGBs: number;
  /**
   * GPU-to-GPU bandwidth one way, GB/s, on the machines that carry several: NVLink/NVSwitch (half the
   * datasheet's bidirectional figure: p4d 600, p5 900, p6-b200 1,800 GB/s, aws-samples
   * aws-hpc-tutorials) or PCIe x16 (Gen3 15.75, Gen4 31.5 GB/s). Absent where peer-to-peer is not
   * supported (GeForce: NVIDIA does not enable P2P on the RTX 4090): peers are not checked.
   */
  readonly peerGBs?: number;
}

const PCIE_GEN3_X16_GBS = 15.75;
const PCIE_GEN4_X16_GBS = 31.5;

const GPUS: Record<GpuType, GpuSpec> = {
  "a100-40gb": { displayName: "NVIDIA A100 40 GB", computeCapability: { major: 8, minor: 0 }, memoryGiB: 40, source: "aws", driverFloor: "450.51.06", health: { matmulTflops: 312, memoryGBs: 1555, peerGBs: 300 } },
  "a100-80gb": { displayName: "NVIDIA A100 80 GB", computeCapability: { major: 8, minor: 0 }, memoryGiB: 80, source: "aws", driverFloor: "450.51.06", health: { matmulTflops: 312, memoryGBs: 2039, peerGBs: 300 } },
  t4: { displayName: "NVIDIA T4", computeCapability: { major: 7, minor: 5 }, memoryGiB: 16, source: "aws", driverFloor: "410.48", health: { matmulTflops: 65, memoryGBs: 320, peerGBs: PCIE_GEN3_X16_GBS } },
  a10g: { displayName: "NVIDIA A10G", computeCapability: { major: 8, minor: 6 }, memoryGiB: 24, source: "aws", driverFloor: "455.23", health: { matmulTflops: 125, memoryGBs: 600, peerGBs: PCIE_GEN4_X16_GBS } },
  l4: { displayName: "NVIDIA L4", computeCapability: { major: 8, minor: 9 }, memoryGiB: 24, source: "aws", driverFloor: "520.61.05", health: { matmulTflops: 121, memoryGBs: 300, peerGBs: PCIE_GEN4_X16_GBS } },
  h100: { displayName: "NVIDIA H100 80 GB", computeCapability: { major: 9, minor: 0 }, memoryGiB: 80, source: "aws", driverFloor: "520.61.05", health: { matmulTflops: 989, memoryGBs: 3350, peerGBs: 450 } },
  // L40S (Ada, sm_89) 48 GB: g6e; H200 (Hopper, sm_90) 141 GiB: p5e, p5en; B200 (Blackwell, sm_100)
  // 179 GiB: p6-b200. Memory as EC2 reports it per accelerator ("8 x 141 GiB", "8 x 179 GiB";
  // the L40S's 48 GB shows as 44 GiB), https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html;
  // capabilities: https://developer.nvidia.com/cuda-gpus.
  l40s: { displayName: "NVIDIA L40S", computeCapability: { major: 8, minor: 9 }, memoryGiB: 44, source: "aws", driverFloor: "520.61.05", health: { matmulTflops: 362, memoryGBs: 864, peerGBs: PCIE_GEN4_X16_GBS } },
  h200: { displayName: "NVIDIA H200", computeCapability: { major: 9, minor: 0 }, memoryGiB: 141, source: "aws", driverFloor: "520.61.05", health: { matmulTflops: 989, memoryGBs: 4800, peerGBs: 450 } },
  b200: { displayName: "NVIDIA B200", computeCapability: { major: 10, minor: 0 }, memoryGiB: 179, source: "aws", driverFloor: "570.133.20", health: { matmulTflops: 2250, memoryGBs: 8000, peerGBs: 900 } },
  // AWS offers no GeForce instance: these join from outside AWS.
  rtx4090: { displayName: "NVIDIA GeForce RTX 4090", computeCapability: { major: 8, minor: 9 }, memoryGiB: 24, source: "off-aws", driverFloor: "520.61.05", health: { matmulTflops: 165, memoryGBs: 1008 } },
  rtx5090: { displayName: "NVIDIA GeForce RTX 5090", computeCapability: { major: 12, minor: 0 }, memoryGiB: 32, source: "off-aws", driverFloor: "570.26", health: { matmulTflops: 209, memoryGBs: 1792 } },
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
