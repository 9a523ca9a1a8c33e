/**
 * What works but is probably not what the user meant: printed with the plan, never an error.
 */
import type { StackSpec } from "../config/spec";
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
    const volumes = [...e.datasets.map((v, i) => ({ v, at: `experiment.datasets[${i}]` })), ...(e.output ? [{ v: e.output, at: "experiment.output" }] : [])];
    for (const { v, at } of volumes) {
      if (v.source.type === "pvc") {
        // Pods on different nodes can share a claim only with access mode ReadWriteMany (or
        // ReadOnlyMany for reading); https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
        warnings.push(`${at}.source.claimName: claim ${JSON.stringify(v.source.claimName)} is mounted by ${e.nodes} pods on different nodes: it must be ReadWriteMany${at.includes("datasets") ? " or ReadOnlyMany" : ""}, which the plan cannot see (a ReadWriteOnce claim leaves all pods but one Pending)`);
      }
    }
  }
  const priced = pools.some((p) => p.pricePerNodeHour !== undefined) || spec.cluster.mode === "create";
  if (priced && spec.region !== CATALOG_PRICE_REGION) {
    warnings.push(`aws:region: prices are ${CATALOG_PRICE_REGION} on-demand prices; ${spec.region} prices differ (see https://aws.amazon.com/ec2/pricing/on-demand/)`);
  }
  return warnings;
}
