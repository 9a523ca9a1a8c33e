/**
 * The compatibility gate: before any resource exists, check the experiment's image against the
 * GPUs and drivers of the pools, and the GPUs it asks for against the GPUs a node has. The
 * three classic failures it prevents surface otherwise only after nodes are paid for:
 * "no kernel image is available for execution on the device", "CUDA driver version is
 * insufficient for CUDA runtime version", and a pod pending forever for GPUs no node has.
 */
import { formatCapability, gpuSpec, smName } from "../catalog/gpus";
import { EKS_NVIDIA_AMI_DRIVER_BRANCH, compareDrivers, driverFloor, minDriverFor, parseDriverVersion } from "../catalog/drivers";
import { ImageSpec, imageKeys, lookupImage } from "../catalog/images";
import type { Problem } from "../config/errors";
import type { ExperimentSpec } from "../config/spec";
import { archCoverage } from "../catalog/arch";
import type { PoolPlan } from "./pools";

export type VerdictStatus = "ok" | "warning" | "error";

export interface Verdict {
  readonly pool: string;
  readonly gpu: string;
  readonly image: string;
  /** Whether the experiment runs on this pool; other pools are checked for information only. */
  readonly used: boolean;
  readonly status: VerdictStatus;
  readonly arch: string;
  readonly driver: string;
  readonly gpus?: string;
  readonly notes: readonly string[];
}

export interface GateResult {
  readonly verdicts: readonly Verdict[];
  /** Blocking problems: only for the pool the experiment runs on. */
  readonly problems: readonly Problem[];
}

const imageName = (image: ExperimentSpec["image"]) => (image.custom ? image.requested : image.key);

function archList(image: ImageSpec): string {
  return image.archs.map(smName).join(", ");
}

/** Catalog images that would run on this GPU with this driver (for "use instead" advice). */
function alternatives(pool: PoolPlan, exclude: string): string[] {
  const driver = pool.driver ? parseDriverVersion(driverFloor(pool.driver)) : undefined;
  return imageKeys().filter((key) => {
    if (key === exclude) return false;
    const found = lookupImage(key);
    if (!found.ok) return false;
    // Built images (the EFA one) are advice only where EFA is the point: they need Docker and an EKS cluster of this project.
    if (found.image.build) return false;
    if (!archCoverage(gpuSpec(pool.gpu).computeCapability, found.image.archs).runs) return false;
    const min = minDriverFor(found.image.cudaRuntime);
    return !driver || !min || compareDrivers(driver, parseDriverVersion(min)!) >= 0;
  });
}

function insteadHint(pool: PoolPlan, image: ExperimentSpec["image"]): string {
  const others = alternatives(pool, image.key);
  return others.length > 0 ? `use ${others.join(" or ")} instead` : "no catalog image fits: build one for this GPU and driver";
}

export function checkPool(pool: PoolPlan, poolPath: string, experiment: ExperimentSpec): { verdict: Verdict; problems: Problem[] } {
  const used = pool.name === experiment.pool;
  const image = experiment.image;
  const gpu = gpuSpec(pool.gpu);
  const card = `${gpu.displayName} (${smName(gpu.computeCapability)}) of pool "${pool.name}"`;
  const problems: Problem[] = [];
  const notes: string[] = [];
  let status: VerdictStatus = "ok";
  const fail = (path: string, message: string) => {
    if (used) {
      problems.push({ path, message });
      status = "error";
    } else {
      notes.push(`${message} — only matters for jobs on this pool`);
      if (status === "ok") status = "warning";
    }
  };

  // 1. Architecture.
  const coverage = archCoverage(gpu.computeCapability, image.archs);
  let arch: string;
  if (coverage.runs) {
    arch = coverage.exact
      ? `${smName(gpu.computeCapability)} in the build`
      : `${smName(gpu.computeCapability)} runs the build's ${smName(coverage.via)} code`;
  } else {
    arch = `${smName(gpu.computeCapability)} missing from the build (${archList(image)})`;
    fail(
      "experiment.image",
      `${imageName(image)} has no kernels for the ${card}: its arch list is ${archList(image)}, so the first CUDA kernel fails with ` +
        `"no kernel image is available for execution on the device" (${insteadHint(pool, image)})`,
    );
  }

  // 2. Driver against the GPU itself (catalog/gpus.ts driverFloor), then against the image's CUDA runtime.
  if (pool.driver && compareDrivers(parseDriverVersion(driverFloor(pool.driver))!, parseDriverVersion(gpu.driverFloor)!) < 0) {
    fail(
      pool.driverSource === "declared" ? `${poolPath}.driverVersion` : `${poolPath}.gpu`,
      `the ${card} needs driver >= ${gpu.driverFloor} to be found at all, but runs ${pool.driver}: "no CUDA-capable device is detected" (upgrade the driver to >= ${gpu.driverFloor})`,
    );
  }
  const min = minDriverFor(image.cudaRuntime);
  let driver: string;
  if (!min) {
    driver = `no known minimum driver for CUDA ${image.cudaRuntime}`;
    notes.push(driver);
    if (status === "ok") status = "warning";
  } else if (!pool.driver) {
    driver = `driver not declared (CUDA ${image.cudaRuntime} needs >= ${min}); the in-pod preflight checks it at start`;
    notes.push(`set ${poolPath}.driverVersion so the gate can check the driver before launch`);
    if (status === "ok") status = "warning";
  } else if (compareDrivers(parseDriverVersion(driverFloor(pool.driver))!, parseDriverVersion(min)!) < 0) {
    driver = `${pool.driver} < ${min} needed by CUDA ${image.cudaRuntime}`;
    fail(
      pool.driverSource === "declared" ? `${poolPath}.driverVersion` : "experiment.image",
      `the ${card} runs driver ${pool.driverSource === "eks-ami" ? `${pool.driver} or later (the EKS NVIDIA AMI's ${EKS_NVIDIA_AMI_DRIVER_BRANCH} branch, whose first release is ${pool.driver})` : `${pool.driver} (declared)`}, older than the ${min} that CUDA ${image.cudaRuntime} ` +
        `(${imageName(image)}) needs: "CUDA driver version is insufficient for CUDA runtime version" (upgrade the driver to >= ${min}, or ${insteadHint(pool, image)})`,
    );
  } else {
    driver = `${pool.driver} >= ${min} needed by CUDA ${image.cudaRuntime}`;
  }

  // 3. GPUs requested against GPUs present (only meaningful where the experiment runs).
  let gpus: string | undefined;
  if (used) {
    const nodeName = pool.instance ? pool.instance.type : `each machine of pool "${pool.name}"`;
    if (experiment.gpusPerNode > pool.nodeGpus) {
      const nodes = Math.ceil(experiment.gpusPerNode / pool.nodeGpus);
      fail(
        "experiment.gpusPerNode",
        `${experiment.gpusPerNode} exceeds the ${pool.nodeGpus} GPUs of ${nodeName} (allowed 1-${pool.nodeGpus}; use nodes: ${nodes} with gpusPerNode: ${Math.ceil(experiment.gpusPerNode / nodes)} for ${experiment.gpusPerNode} GPUs)`,
      );
    }
    if (experiment.nodes > pool.maxNodes) {
      fail(
        "experiment.nodes",
        `${experiment.nodes} exceeds the ${pool.maxNodes} node${pool.maxNodes === 1 ? "" : "s"} pool "${pool.name}" can have (allowed 1-${pool.maxNodes}; raise ${poolPath}.maxNodes)`,
      );
    }
    gpus = `${experiment.nodes} x ${experiment.gpusPerNode} of ${pool.nodeGpus} per node`;
  }

  return {
    verdict: {
      pool: pool.name,
      gpu: `${gpu.displayName} (${formatCapability(gpu.computeCapability)})`,
      image: imageName(image),
      used,
      status,
      arch,
      driver,
      gpus,
      notes,
    },
    problems,
  };
}

export function compatibilityGate(pools: readonly PoolPlan[], poolPaths: readonly string[], experiment: ExperimentSpec | undefined): GateResult {
  if (!experiment) return { verdicts: [], problems: [] };
  const results = pools.map((pool, i) => checkPool(pool, poolPaths[i], experiment));
  return { verdicts: results.map((r) => r.verdict), problems: results.flatMap((r) => r.problems) };
}
