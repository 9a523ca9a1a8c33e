/**
 * A run Kueue can never admit waits forever without a word: its pods' requests must fit its
 * pool's flavor quota in the ClusterQueue (k8s/cluster-queue.ts). Checked before any resource,
 * with the other problems only the plan can reveal.
 */
import type { Problem } from "../config/errors";
import type { StackSpec } from "../config/spec";
import type { Plan } from "../plan/plan";
import { flavorQuota } from "./cluster-queue";
import { GPU_RESOURCE } from "./job";
import { MIB_PER_GIB, sizePod } from "../plan/pod-sizing";

export function queueFitProblems(spec: StackSpec, plan: Plan): Problem[] {
  const e = spec.experiment;
  const pool = plan.pools.find((p) => p.name === e?.pool);
  if (!e || !pool || !plan.queueing.ownerStack) return [];
  const sized = sizePod({ gpusPerNode: e.gpusPerNode, nodeGpus: pool.nodeGpus, instance: pool.instance, shmGiB: e.shmGiB });
  if (!sized.ok) return []; // reported as experiment.shmGiB already
  const quota = Object.fromEntries(flavorQuota(pool).resources.map((r) => [r.name, r.nominalQuota]));
  const memoryMiB = (q: string) => (q.endsWith("Gi") ? Number(q.slice(0, -2)) * MIB_PER_GIB : Number(q.slice(0, -2)));
  const needs = [
    { resource: GPU_RESOURCE, need: e.gpusPerNode * e.nodes, have: Number(quota[GPU_RESOURCE]), unit: "" },
    { resource: "cpu", need: (sized.sizing.cpuMilli * e.nodes) / 1000, have: Number(quota.cpu), unit: "" },
    { resource: "memory", need: sized.sizing.memoryRequestMiB * e.nodes, have: memoryMiB(quota.memory), unit: "Mi" },
  ];
  return needs
    .filter((n) => n.need > n.have)
    .map((n) => ({
      path: n.resource === "memory" ? "experiment.shmGiB" : "experiment.nodes",
      message: `the run asks for ${n.need}${n.unit} ${n.resource} over ${e.nodes} node${e.nodes === 1 ? "" : "s"}, more than pool ${pool.name}'s queue quota of ${n.have}${n.unit} (its maxNodes x node size): Kueue would never admit it (allowed: at most the pool's size; raise the pool's maxNodes or lower the request)`,
    }));
}
