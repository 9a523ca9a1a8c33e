/**
 * Cheaper ways to get the GPUs a pool is for: other sizes and other GPU models of the catalog
 * that give each node the GPUs it needs, with at least the GPU memory of the pool's model, whose
 * cards run the experiment's build (arch list) on the EKS AMI's driver; each with its $/h and why.
 * And spot, for on-demand pools. Advice only: the plan never switches on its own.
 */
import { archCoverage } from "../catalog/arch";
import { EKS_NVIDIA_AMI_DRIVER, compareDrivers, minDriverFor, parseDriverVersion } from "../catalog/drivers";
import { gpuSpec, smName } from "../catalog/gpus";
import { INSTANCES, PricedInstance } from "../catalog/instances";
import { DEFAULT_IMAGE_KEY, lookupImage } from "../catalog/images";
import type { ExperimentSpec, StackSpec } from "../config/spec";
import type { PoolPlan } from "./pools";

export interface CheaperOption {
  readonly type: string;
  readonly pricePerHour: number;
  readonly why: string;
}

export interface PoolAdvice {
  readonly pool: string;
  readonly options: readonly CheaperOption[];
  /** For an on-demand pool: what spot would change. */
  readonly spot?: string;
}

/** At most this many options per pool, cheapest first, one per GPU model. */
const MAX_OPTIONS = 3;

function buildOf(experiment: ExperimentSpec | undefined) {
  if (experiment) return experiment.image;
  const found = lookupImage(DEFAULT_IMAGE_KEY);
  if (!found.ok) throw new Error(`catalog default image ${DEFAULT_IMAGE_KEY} does not resolve`);
  return found.image;
}

export function poolAdvice(spec: StackSpec, pools: readonly PoolPlan[]): PoolAdvice[] {
  const e = spec.experiment;
  const image = buildOf(e);
  const ami = parseDriverVersion(EKS_NVIDIA_AMI_DRIVER)!;
  const min = minDriverFor(image.cudaRuntime);
  const driverOk = !min || compareDrivers(ami, parseDriverVersion(min)!) >= 0;
  return pools
    .filter((p) => p.kind === "managed" && p.instance?.pricePerHour !== undefined)
    .map((pool) => {
      const current = pool.instance!;
      const now = current.pricePerHour!;
      const own = gpuSpec(pool.gpu);
      const needed = e && e.pool === pool.name ? e.gpusPerNode : (spec.pools.find((p) => p.name === pool.name)?.gpusPerNode ?? current.gpus);
      const options = INSTANCES.filter((i): i is PricedInstance => i.pricePerHour !== undefined && i.type !== current.type && i.pricePerHour < now && i.gpus >= needed)
        .filter((i) => gpuSpec(i.gpu).memoryGiB >= own.memoryGiB && driverOk && archCoverage(gpuSpec(i.gpu).computeCapability, image.archs).runs)
        .sort((a, b) => a.pricePerHour - b.pricePerHour)
        // The cheapest type of each GPU model: three sizes of one family would hide the other models.
        .filter((i, idx, all) => all.findIndex((j) => j.gpu === i.gpu) === idx)
        .slice(0, MAX_OPTIONS)
        .map((i) => {
          const g = gpuSpec(i.gpu);
          const saving = Math.round((1 - i.pricePerHour / now) * 100);
          const model = i.gpu === pool.gpu ? `the same ${own.displayName}` : `${g.displayName} (${g.memoryGiB} GiB >= ${own.memoryGiB}, ${smName(g.computeCapability)} runs the build)`;
          const spare = i.gpus > needed ? `; ${i.gpus - needed} of its ${i.gpus} GPUs unused` : "";
          return { type: i.type, pricePerHour: i.pricePerHour, why: `${i.gpus} x ${model} for $${i.pricePerHour.toFixed(3)}/h instead of $${now.toFixed(3)}/h (${saving}% less)${spare}` };
        });
      const spot =
        pool.capacity === "on-demand"
          ? `capacity: spot costs less (\`pulumi preview\` reads the current spot price of ${current.type}); EC2 may reclaim a spot node with 2 minutes' notice, so checkpoint`
          : undefined;
      return { pool: pool.name, options, ...(spot ? { spot } : {}) };
    });
}
