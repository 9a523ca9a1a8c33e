/**
 * One reaper run: list the stacks, read them, decide, print the report, and with `yes` destroy
 * the idle groups in order (experiments first, then their cluster). Everything outside goes
 * through the seams in types.ts, so tests drive it with fakes.
 */
import { CLUSTER_OUTPUTS } from "../components/target";
import { DEFAULT_PENDING_BOUND_MINUTES, isBusy } from "./activity";
import { DEFAULT_UPDATE_BOUND_MINUTES, ReapPlan, decide } from "./decide";
import { describeBusy } from "./describe-work";
import { DestroyFailureKind, classifyDestroyError } from "./destroy-errors";
import { GatherDeps, activityOptions, gatherFacts, messageOf, readActivity } from "./gather";
import { billingInState, describeLeftover } from "./leftovers";
import { renderReport } from "./report";
import type { Clock } from "./types";

export interface ReapDeps extends Omit<GatherDeps, "now" | "pendingBoundMinutes"> {
  readonly clock: Clock;
  /** Where the report goes, one line or block at a time. */
  readonly out: (text: string) => void;
}

export interface ReapOptions {
  readonly yes: boolean;
  /** An update holding a stack longer than this turns the run red (default 120). */
  readonly updateBoundMinutes?: number;
  /** A GPU pod outside Kueue Pending longer than this stops counting as busy (default 30). */
  readonly pendingBoundMinutes?: number;
}

export interface ReapResult {
  readonly plan: ReapPlan;
  readonly destroyed: readonly string[];
  readonly failed: readonly { readonly stack: string; readonly error: string; readonly kind: DestroyFailureKind }[];
  /** Groups not destroyed because the check just before destroying found work or could not read. */
  readonly aborted: readonly { readonly cluster: string; readonly reason: string; readonly unreadable: boolean }[];
  /** 0: done; 1: a stack could not be checked or a destroy failed (so a scheduled run shows red). */
  readonly exitCode: number;
}

/** Reasons that mean "could not check", which a scheduled run should surface. */
const UNCHECKED = new Set(["unreadable", "unknown-dependent"]);

export async function reap(deps: ReapDeps, options: ReapOptions): Promise<ReapResult> {
  const gather: GatherDeps = { ...deps, now: () => deps.clock.now(), pendingBoundMinutes: options.pendingBoundMinutes ?? DEFAULT_PENDING_BOUND_MINUTES };
  const deployed = await deps.workspace.listStacks();
  const now = deps.clock.now();
  const facts = await gatherFacts(gather, deployed);
  const plan = decide(facts, now, { updateBoundMinutes: options.updateBoundMinutes ?? DEFAULT_UPDATE_BOUND_MINUTES });
  deps.out(renderReport(plan, { now, yes: options.yes }));

  const unchecked = plan.decisions.filter((d) => UNCHECKED.has(d.code)).map((d) => d.stack);
  const attention = plan.decisions.filter((d) => (d.attention ?? []).length > 0).map((d) => d.stack);
  const destroyed: string[] = [];
  const failed: { stack: string; error: string; kind: DestroyFailureKind }[] = [];
  const aborted: { cluster: string; reason: string; unreadable: boolean }[] = [];
  const count = plan.groups.reduce((n, g) => n + g.stacks.length, 0);

  if (!options.yes) {
    if (count > 0) deps.out(`Dry run: nothing was destroyed; \`npm run reap -- --yes\` would destroy ${count} stack${count === 1 ? "" : "s"}.`);
  } else {
    for (const group of plan.groups) {
      // The decision may be minutes old by now: look again right before destroying anything.
      const recheck = await recheckIdle(gather, group.cluster, group.clusterGone === true);
      if (recheck) {
        aborted.push({ cluster: group.cluster, ...recheck });
        deps.out(`NOT destroying ${group.stacks.join(", ")}: ${recheck.reason}`);
        continue;
      }
      for (const stack of group.stacks) {
        deps.out(`destroying ${stack} ...`);
        try {
          await deps.workspace.destroy(stack, { clusterGone: group.clusterGone === true });
          destroyed.push(stack);
          deps.out(`destroyed ${stack}`);
        } catch (e) {
          const failure = classifyDestroyError(e, stack);
          failed.push({ stack, error: failure.text, kind: failure.kind });
          const rest = group.stacks.slice(group.stacks.indexOf(stack) + 1);
          deps.out(`FAILED to destroy ${stack} (${failure.kind})${rest.length > 0 ? `; kept: ${rest.join(", ")}` : ""}:`);
          deps.out(failure.text.split("\n").map((l) => `  ${l}`).join("\n"));
          deps.out(`  next: ${failure.next}`);
          await reportBilling(deps, stack);
          break;
        }
      }
    }
    deps.out(`Destroyed ${destroyed.length} of ${count} stack${count === 1 ? "" : "s"}.`);
  }
  if (unchecked.length > 0) deps.out(`Could not check: ${unchecked.join(", ")} (kept; see why above).`);
  if (attention.length > 0) deps.out(`Needs a person: ${attention.join(", ")} (kept; see why above).`);
  const exitCode = unchecked.length > 0 || attention.length > 0 || failed.length > 0 || aborted.some((a) => a.unreadable) ? 1 : 0;
  return { plan, destroyed, failed, aborted, exitCode };
}

/** What a failed destroy left billing, from the stack's state as it is now. */
async function reportBilling(deps: ReapDeps, stack: string): Promise<void> {
  try {
    const left = billingInState(await deps.workspace.resources(stack));
    for (const l of left) deps.out(`  left billing: ${describeLeftover(l)}`);
  } catch (e) {
    deps.out(`  left billing: unknown (the state of ${stack} cannot be read: ${messageOf(e)})`);
  }
}

/** Why the cluster must not be destroyed now, or undefined when it is still idle (or still gone). */
async function recheckIdle(deps: GatherDeps, cluster: string, gone: boolean): Promise<{ reason: string; unreadable: boolean } | undefined> {
  let outputs: Record<string, unknown>;
  try {
    outputs = await deps.workspace.outputs(cluster);
  } catch (e) {
    return { reason: `cannot re-read the outputs of ${cluster}: ${messageOf(e)}`, unreadable: true };
  }
  const { activity, unresolvable } = await readActivity(deps.kube, outputs[CLUSTER_OUTPUTS.kubeconfig], activityOptions(deps));
  if (gone) return activity.ok || !unresolvable ? { reason: `the cluster of ${cluster} answers again, so it is not gone: the next run judges it afresh`, unreadable: false } : undefined;
  if (!activity.ok) return { reason: `cannot re-read the GPU activity of ${cluster}: ${activity.error}`, unreadable: true };
  if (isBusy(activity.value)) return { reason: `${cluster} has GPU work again: ${describeBusy(activity.value, deps.now())}`, unreadable: false };
  return undefined;
}
