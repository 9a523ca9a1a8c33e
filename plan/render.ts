/** The plan as a person reads it: what will run where, what it costs, what the gate decided. */
import { renderSweep } from "./sweep";
import { renderBudget } from "./budget";
import { gpuSpec } from "../catalog/gpus";
import { PRICE_LIST } from "../catalog/instances";
import { dollars } from "./cost";
import type { Plan } from "./plan";
import { renderShipped } from "./render-shipped";
import { renderQueueing } from "./render-queueing";

const STATUS_MARK = { ok: "ok", warning: "WARN", error: "FAIL" } as const;

/**
 * How long an SSM hybrid activation registers machines: SSM's default, which the program keeps
 * ("By default, AWS SSM hybrid activations are active for 24 hours":
 * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-creds.html). An explicit
 * expirationDate would have to come from a clock and would change on every `pulumi up`.
 */
export const ACTIVATION_HOURS = 24;

/** When a hybrid pool's activation admits machines, and what to do after. */
export function activationLine(maxNodes: number): string {
  return `joins: an SSM hybrid activation registers up to ${maxNodes} machine${maxNodes === 1 ? "" : "s"} within ${ACTIVATION_HOURS} h of its creation; after that it admits no machine (joined ones keep working), so there is nothing to delete by hand: it goes with the stack. A machine added later needs a new one: pulumi up --replace <the activation's URN> (docs/hybrid-nodes.md)`;
}

export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  const add = (line = "") => lines.push(line);

  add(`Stack ${plan.stack} (${plan.project})`);
  add(`  cluster: ${plan.cluster.description}`);
  if (plan.cluster.logs) add(`  logs: ${plan.cluster.logs}`);
  if (plan.cluster.basePerHour !== undefined) {
    add(`  cluster base cost: ${dollars(plan.cluster.basePerHour)}/h (control plane, NAT, system nodes) while the stack exists`);
  }

  add();
  add(`GPU pools (${plan.pools.length})${plan.pools.some((p) => p.instance) ? `; prices: AWS price list, ${PRICE_LIST.region} on-demand, ${PRICE_LIST.date} (${PRICE_LIST.file})` : ""}`);
  if (plan.pools.length === 0) add("  none");
  for (const pool of plan.pools) {
    const gpu = gpuSpec(pool.gpu);
    const where = pool.instance
      ? `${pool.instance.type} (${pool.instance.gpus} x ${gpu.displayName}, ${pool.instance.vcpus} vCPU, ${pool.instance.memoryGiB} GiB${pool.instance.efaInterfaces ? `, ${pool.instance.efaInterfaces} EFA` : ""})`
      : `${pool.nodeGpus} x ${gpu.displayName} per machine, ${pool.kind === "hybrid" ? "EKS Hybrid Nodes outside AWS" : "nodes of the existing cluster"}`;
    add(`  ${pool.name} [${pool.kind}${pool.kind === "managed" ? `, ${pool.capacity}` : ""}]: ${where}`);
    if (pool.instanceReason) add(`      why: ${pool.instanceReason}`);
    const range = pool.kind === "managed" ? `${pool.minNodes}-${pool.maxNodes} nodes` : `up to ${pool.maxNodes} machines`;
    const price =
      pool.pricePerNodeHour === undefined
        ? pool.instance
          ? `no on-demand price (${pool.instance.type} is sold as EC2 Capacity Blocks)`
          : "cost outside AWS"
        : `${dollars(pool.pricePerNodeHour)}/h per node${pool.capacity === "spot" ? " (on-demand price, an upper bound; the spot price is in the deploy-time checks)" : ""}, ${dollars(pool.pricePerNodeHour * pool.maxNodes)}/h at ${pool.maxNodes} node${pool.maxNodes === 1 ? "" : "s"}, ${pool.minNodes === 0 ? "$0.00/h when idle" : `${dollars(pool.pricePerNodeHour * pool.minNodes)}/h at its minimum`}`;
    if (pool.kind === "hybrid" && plan.cluster.mode === "create") add(`      ${activationLine(pool.maxNodes)}`);
    add(`      ${range}; ${price}; driver ${pool.driver ?? "not declared"}${pool.driverSource === "eks-ami" ? " or later (EKS AL2023 NVIDIA AMI, 580 branch)" : ""}`);
    const advice = plan.advice.find((a) => a.pool === pool.name);
    for (const o of advice?.options ?? []) add(`      cheaper: ${o.type}: ${o.why}`);
    if (advice?.spot) add(`      cheaper: ${advice.spot}`);
  }

  const e = plan.experiment;
  add();
  if (!e) {
    add("Experiment: none (cluster-only stack)");
  } else {
    add(`Experiment ${e.name}: ${e.nodes} node${e.nodes === 1 ? "" : "s"} x ${e.gpusPerNode} GPU${e.gpusPerNode === 1 ? "" : "s"} = ${e.totalGpus} GPU${e.totalGpus === 1 ? "" : "s"} on pool ${e.pool}`);
    const build = e.image.build;
    add(`  image: ${build ? `built from ${build.dockerfile} and pushed to ECR repository ${build.repository}, pinned by the pushed digest` : e.image.reference}`);
    if (build) add(`         needs ${build.needs}`);
    add(`         CUDA ${e.image.cudaRuntime}, archs ${e.image.archs.join(" ")}${e.image.resolved !== e.image.requested ? ` (requested ${JSON.stringify(e.image.requested)})` : ""}`);
    if (e.image.substitution) add(`         resolved: ${e.image.substitution}`);
    if (e.nodes > 1) add(`  network: ${e.network.mode} (${e.network.reason})`);
    add(`  command: torch.distributed.run --nnodes ${e.nodes} --nproc_per_node ${e.gpusPerNode} ${[e.script, ...e.args].join(" ")}`);
    for (const line of renderShipped(e)) add(`  ${line}`);
    const cost = e.costPerHour === undefined ? "node cost outside AWS" : `${dollars(e.costPerHour)}/h while running, at most ${dollars(e.maxRunCost!)} per attempt over its ${e.maxRunTimeMinutes}-minute limit`;
    add(`  cost: ${cost}`);
    for (const line of renderAttempts(plan)) add(`        ${line}`);
    if (e.budget) add(`  ${renderBudget(e.budget, e.maxRunTimeMinutes)}`);
    if (e.sweep) for (const line of renderSweep(e.sweep, e.maxRunTimeMinutes)) add(`  ${line}`);
    add(`  dev: \`npm run dev -- ${plan.stack}\` starts an interactive pod of this experiment on one node of pool ${e.pool}, queued by Kueue; it ends, freeing its GPUs, after ${e.devIdleMinutes} idle minutes (experiment.dev.idleMinutes)${e.costPerHour === undefined ? "" : `, so an unused one costs at most ${dollars((e.costPerHour / e.nodes) * (e.devIdleMinutes / 60))}`}`);
  }

  if (plan.verdicts.length > 0) {
    add();
    add("Compatibility gate");
    for (const v of plan.verdicts) {
      add(`  [${STATUS_MARK[v.status]}] ${v.pool}: ${v.gpu} with ${v.image}${v.used ? "" : " (pool not used by this experiment)"}`);
      add(`      arch: ${v.arch}`);
      add(`      driver: ${v.driver}`);
      if (v.gpus) add(`      GPUs: ${v.gpus}`);
      for (const note of v.notes) add(`      note: ${note}`);
    }
  }

  if (plan.warnings.length > 0) {
    add();
    add(`Warnings (${plan.warnings.length})`);
    for (const w of plan.warnings) add(`  WARN ${w}`);
  }

  add();
  add("Queueing");
  for (const line of renderQueueing(plan)) add(`  ${line}`);

  add();
  add("Idle policy");
  for (const line of renderIdle(plan)) add(`  ${line}`);
  return lines.join("\n");
}

/**
 * What "per attempt" means. The limit is activeDeadlineSeconds, which restarts with every attempt: a
 * JobSet's child Job is recreated, with a fresh deadline, at each group restart; a Job that Kueue
 * evicts and admits again is suspended and resumed, which resets its start time
 * (https://kubernetes.io/docs/concepts/workloads/controllers/job/#suspending-a-job).
 */
function renderAttempts(plan: Plan): string[] {
  const e = plan.experiment!;
  const r = plan.queueing.restart;
  const lines: string[] = [];
  if (r?.kind === "JobSet") {
    const attempts = r.maxRestarts + 1;
    const bound = e.maxRunCost === undefined ? "" : `, at most ${dollars(Math.round(e.maxRunCost * attempts * 100) / 100)}`;
    const all = r.maxRestarts + r.maxDisruptionRestarts + 1;
    lines.push(`each group restart is a new attempt: ${attempts} attempt${attempts === 1 ? "" : "s"} when training fails (maxRestarts ${r.maxRestarts} + 1)${bound}; with node disruptions at most ${all} in all (+ maxDisruptionRestarts ${r.maxDisruptionRestarts})`);
  }
  if (plan.queueing.podsReady) {
    lines.push(`a run Kueue evicts (waitForPodsReady) and admits again starts a new attempt too, at most ${plan.queueing.podsReady.requeueLimit} times`);
  }
  return lines;
}

/** The idle section: when GPU nodes go, what an idle node costs, what `npm run reap` does. */
export function renderIdle(plan: Plan): string[] {
  const { idle, cluster } = plan;
  const lines: string[] = [];
  const down = idle.nodeScaleDown;
  if (down) {
    const args = Object.entries(down.autoscalerArgs).map(([k, v]) => `--${k}=${v}`).join(" ");
    const whose = down.stack === plan.stack ? "" : ` (the autoscaler of stack ${down.stack})`;
    lines.push(`GPU nodes are removed ${down.idleMinutes}-${down.boundMinutes} min after their last GPU pod ends${whose}`);
    lines.push(`  cluster-autoscaler ${args}; up to ${down.boundMinutes - down.idleMinutes} min more to notice and terminate`);
  } else {
    lines.push("GPU nodes scale by the existing cluster's own rules: this project runs no autoscaler there");
  }
  for (const c of idle.idleNodeCost) {
    lines.push(`an idle ${c.instanceType} node (pool ${c.pool}) costs at most ${dollars(c.dollars)} after its last job`);
  }
  if (idle.protected) {
    lines.push("the stack is protected: `npm run reap` never destroys it");
  } else if (cluster.mode === "create") {
    lines.push(`\`npm run reap\` destroys the stack after ${idle.clusterIdleMinutes} min without GPU work; datasets and outputs are kept`);
  } else if (cluster.mode === "reuse") {
    const owner = down?.stack ?? "it reuses";
    lines.push(`\`npm run reap\` destroys this stack only together with the cluster of stack ${owner} (this stack first), once the cluster has had no GPU work for ${idle.clusterIdleMinutes} min and for that stack's own limit; datasets and outputs are kept`);
  } else {
    lines.push("`npm run reap` never destroys this stack: the cluster is not this project's");
  }
  return lines;
}
