/** The reaper's report as a person reads it: one block per stack, then the order and the outcome. Pure. */
import { dollars } from "../plan/cost";
import type { ReapPlan, StackDecision } from "./decide";
import { formatMinutes, formatTime } from "./format";
import { describeLeftover } from "./leftovers";

export { formatTime } from "./format";

const ACTION_LABEL = { destroy: "DESTROY", keep: "KEEP", skip: "SKIP" } as const;

export function renderReport(plan: ReapPlan, ctx: { readonly now: Date; readonly yes: boolean }): string {
  const lines: string[] = [];
  lines.push(
    ctx.yes
      ? `npm run reap at ${formatTime(ctx.now)}: destroying the stacks marked DESTROY`
      : `npm run reap at ${formatTime(ctx.now)}: dry run, nothing is destroyed (add --yes to destroy the stacks marked DESTROY)`,
  );
  if (plan.decisions.length === 0) lines.push("", "No deployed stacks of this project.");
  for (const d of plan.decisions) {
    lines.push("");
    lines.push(...renderDecision(d, plan));
  }
  lines.push("");
  const order = plan.groups.flatMap((g) => g.stacks);
  lines.push(order.length === 0 ? "Nothing to destroy." : `Destroy order: ${order.join(", ")}`);
  return lines.join("\n");
}

function renderDecision(d: StackDecision, plan: ReapPlan): string[] {
  const experiment = d.role === "experiment";
  const indent = experiment && plan.decisions.some((c) => c.role === "cluster" && c.stack === d.clusterStack) ? "  " : "";
  const role =
    d.role === "cluster" ? "cluster" : d.role === "experiment" ? `experiment on ${d.clusterStack}` : d.role === "existing" ? "existing cluster" : "unknown";
  const before = d.action === "destroy" && experiment ? `, before ${d.clusterStack}` : "";
  const out = [`${indent}${d.stack} (${role})  ${ACTION_LABEL[d.action]}${before}`];
  const row = (label: string, text: string) => out.push(`${indent}  ${`${label}:`.padEnd(11)}${text}`);
  if (d.idle) {
    const i = d.idle;
    row("idle", i.idleMinutes === undefined ? (i.work ? `no: GPU work ${i.work}` : "unknown") : `${formatMinutes(i.idleMinutes)}${i.limitMinutes !== undefined ? ` (limit ${i.limitMinutes} min)` : ""}`);
    if (i.idleSince) row("since", `${formatTime(i.idleSince.at)} (${i.idleSince.signal})`);
    row("last job", i.lastJob ? `${i.lastJob.namespace}/${i.lastJob.name} ${i.lastJob.outcome} ${formatTime(i.lastJob.finishedAt)}` : "none listed");
    if (i.notCounted) row("not busy", i.notCounted);
    row("cost", costLine(d));
  }
  row("why", d.reason);
  if (d.settingsNote) row("settings", d.settingsNote);
  for (const l of d.idle?.leftovers ?? []) row("left", describeLeftover(l));
  return out;
}

function costLine(d: StackDecision): string {
  const i = d.idle!;
  const base = i.basePerHour;
  const nodes =
    i.gpuNodes === 0
      ? "no GPU nodes up"
      : `${i.gpuNodes} GPU node${i.gpuNodes === 1 ? "" : "s"} up ${dollars(i.gpuNodesPerHour)}/h${i.unpricedNodes.length > 0 ? ` (${i.unpricedNodes.length} of unknown price: ${i.unpricedNodes.join(", ")})` : ""}`;
  if (base === undefined) return `cluster base cost unknown; ${nodes}`;
  const when = i.idleMinutes === undefined ? "now" : "while idle";
  const rate = `${dollars(base + i.gpuNodesPerHour)}/h ${when} (cluster base ${dollars(base)}/h; ${nodes})`;
  return i.idleMinutes === undefined ? rate : `${rate}; about ${dollars((base * i.idleMinutes) / 60)} of base cost since it went idle`;
}
