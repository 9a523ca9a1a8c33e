/**
 * Does a PyTorch build run on a GPU? CUDA binaries are compatible within a major version and
 * upward in minor: code built for sm_86 runs on an sm_89 card, not on sm_90 or sm_120.
 * https://docs.nvidia.com/cuda/ampere-compatibility-guide/#application-compatibility-on-ampere
 */
import { ComputeCapability } from "./gpus";

export function parseCapability(text: string): ComputeCapability {
  const [major, minor] = text.split(".").map(Number);
  return { major, minor };
}

export type ArchCoverage =
  | { readonly runs: true; readonly exact: boolean; readonly via: ComputeCapability }
  | { readonly runs: false };

export function archCoverage(card: ComputeCapability, archs: readonly ComputeCapability[]): ArchCoverage {
  const usable = archs
    .filter((a) => a.major === card.major && a.minor <= card.minor)
    .sort((a, b) => b.minor - a.minor);
  if (usable.length === 0) return { runs: false };
  return { runs: true, exact: usable[0].minor === card.minor, via: usable[0] };
}
