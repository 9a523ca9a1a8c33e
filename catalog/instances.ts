/**
 * EC2 GPU instance types (us-east-1 on-demand prices, mid-2026) and the choice of the cheapest
 * type that fits a request. Sources: https://aws.amazon.com/ec2/instance-types/ (accelerated
 * computing) and https://aws.amazon.com/ec2/pricing/on-demand/. EFA interface counts:
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
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
  /** On-demand $/hour in us-east-1. */
  readonly pricePerHour: number;
}

const row = (type: string, gpu: GpuType, gpus: number, vcpus: number, memoryGiB: number, efaInterfaces: number, pricePerHour: number): InstanceSpec => ({
  type,
  gpu,
  gpus,
  vcpus,
  memoryGiB,
  efaInterfaces,
  pricePerHour,
});

export const INSTANCES: readonly InstanceSpec[] = [
  row("p4d.24xlarge", "a100-40gb", 8, 96, 1152, 4, 21.96),
  row("p4de.24xlarge", "a100-80gb", 8, 96, 1152, 4, 27.45),
  row("g4dn.xlarge", "t4", 1, 4, 16, 0, 0.526),
  row("g4dn.2xlarge", "t4", 1, 8, 32, 0, 0.752),
  row("g4dn.4xlarge", "t4", 1, 16, 64, 0, 1.204),
  row("g4dn.8xlarge", "t4", 1, 32, 128, 1, 2.176),
  row("g4dn.12xlarge", "t4", 4, 48, 192, 1, 3.912),
  row("g4dn.16xlarge", "t4", 1, 64, 256, 1, 4.352),
  row("g4dn.metal", "t4", 8, 96, 384, 1, 7.824),
  row("g5.xlarge", "a10g", 1, 4, 16, 0, 1.006),
  row("g5.12xlarge", "a10g", 4, 48, 192, 1, 5.672),
  row("g5.48xlarge", "a10g", 8, 192, 768, 1, 16.288),
  row("g6.xlarge", "l4", 1, 4, 16, 0, 0.805),
  row("g6.12xlarge", "l4", 4, 48, 192, 1, 4.602),
  row("g6.48xlarge", "l4", 8, 192, 768, 1, 13.35),
  // p5.4xlarge: no EFA recorded. The EFA supported-types list could not be confirmed for this size
  // from the sources at hand; with 0 its pools never get EFA interfaces or an EFA requirement, which
  // is the safe side (a multi-node run over TCP), never a launch AWS refuses.
  row("p5.4xlarge", "h100", 1, 16, 256, 0, 6.88),
  row("p5.48xlarge", "h100", 8, 192, 2048, 32, 55.04),
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

export type InstanceChoice =
  | { readonly ok: true; readonly instance: InstanceSpec; readonly reason: string }
  | { readonly ok: false; readonly problem: string; readonly allowed: string };

/**
 * The cheapest instance type of `gpu` with at least `gpus` GPUs; ties go to the smaller node.
 * The reason names the runner-up so the plan shows what the choice saved.
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
    .filter((i) => i.gpus >= gpus)
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
