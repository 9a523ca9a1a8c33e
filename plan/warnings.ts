/**
 * What works but is probably not what the user meant: printed with the plan, never an error.
 */
import type { StackSpec } from "../config/spec";
import { sourceUses, volumeSourceWarnings } from "../config/sources";
import { CATALOG_PRICE_REGION } from "./cost-region";
import type { PoolPlan } from "./pools";

export function planWarnings(spec: StackSpec, pools: readonly PoolPlan[]): string[] {
  const warnings: string[] = [];
  const e = spec.experiment;
  const pool = e ? pools.find((p) => p.name === e.pool) : undefined;
  if (e && pool && e.nodes > 1) {
    if (pool.capacity === "spot") {
      // A spot interruption takes one node with two minutes' notice
      // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html),
      // and a DDP run across nodes fails as a whole when any of them goes.
      warnings.push(`experiment.nodes: ${e.nodes} nodes on spot pool "${pool.name}": one spot interruption (two minutes' notice) stops the whole multi-node run; use capacity: on-demand, or checkpoint often`);
    }
  }
  if (e) warnings.push(...volumeSourceWarnings(sourceUses(e), { nodes: e.nodes }));
  const priced = pools.some((p) => p.pricePerNodeHour !== undefined) || spec.cluster.mode === "create";
  if (priced && spec.region !== CATALOG_PRICE_REGION) {
    warnings.push(`aws:region: prices are ${CATALOG_PRICE_REGION} on-demand prices; ${spec.region} prices differ (see https://aws.amazon.com/ec2/pricing/on-demand/)`);
  }
  return warnings;
}
