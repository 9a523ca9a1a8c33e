/**
 * Minimum Linux driver per CUDA runtime, from the CUDA Toolkit release notes, table 3
 * (https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/). Under minor-version compatibility
 * any 12.x runtime starts on a 12.0-level driver (525.60.13), but features of the newer minor
 * (and PTX JIT of code built for it) need that minor's own minimum; we require the exact minimum
 * and say so, because a half-working driver is found only after the GPUs are paid for.
 */

export interface DriverVersion {
  readonly parts: readonly number[];
  readonly text: string;
}

const MIN_DRIVER_FOR_CUDA: Record<string, string> = {
  "12.0": "525.60.13",
  "12.1": "530.30.02",
  "12.6": "560.28.03",
  "12.8": "570.26",
  "12.9": "575.51.03",
  "13.0": "580.65.06",
};

/**
 * The driver branch the EKS-optimized AL2023 NVIDIA AMI (amiType AL2023_x86_64_NVIDIA) ships (2026).
 * Only the branch (580) is published, so the gate takes the lowest driver a 580 AMI can carry: the
 * branch's first public release, 580.65.06, the driver released with CUDA 13.0 GA in August 2025
 * (CUDA Toolkit 13.0 release notes, table 3: "CUDA 13.0 GA >= 580.65.06",
 * https://docs.nvidia.com/cuda/archive/13.0.0/cuda-toolkit-release-notes/index.html). Any 580
 * driver is at least that, so a CUDA 13.0 image is valid on the AMI; comparing "580" as 580.0.0
 * would refuse it although every real 580 driver runs it.
 */
export const EKS_NVIDIA_AMI_DRIVER_BRANCH = "580";
export const EKS_NVIDIA_AMI_DRIVER = "580.65.06";

export function parseDriverVersion(text: string): DriverVersion | undefined {
  if (!/^\d+(\.\d+){0,2}$/.test(text)) return undefined;
  return { parts: text.split(".").map(Number), text };
}

export function compareDrivers(a: DriverVersion, b: DriverVersion): number {
  for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function minDriverFor(cudaRuntime: string): string | undefined {
  return MIN_DRIVER_FOR_CUDA[cudaRuntime];
}

/** The whole table, CUDA runtime → minimum driver (for the launcher's copy, catalog/launcher-facts.ts). */
export function driverMinimums(): Readonly<Record<string, string>> {
  return { ...MIN_DRIVER_FOR_CUDA };
}

/**
 * First public release of a driver branch, where we know it (see EKS_NVIDIA_AMI_DRIVER): a driver
 * given as a bare branch ("580") is at least that release, not "580.0.0".
 */
const BRANCH_FIRST_RELEASE: Record<string, string> = { [EKS_NVIDIA_AMI_DRIVER_BRANCH]: EKS_NVIDIA_AMI_DRIVER };

/** The lowest real driver a version text can mean: a known bare branch becomes its first release. */
export function driverFloor(text: string): string {
  return BRANCH_FIRST_RELEASE[text] ?? text;
}
