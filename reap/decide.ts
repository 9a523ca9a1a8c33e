/**
 * The reaper's decisions, pure: from what was read about each deployed stack (StackFacts) and the
 * time, which stacks to destroy, in which order, and why every other stack stays.
 *
 * Rules (docs/teardown.md explains them):
 * - A cluster stack (`mode: create`) and the experiment stacks that reuse its cluster form one
 *   group, judged on the cluster's GPU activity. The group is destroyed, experiments first, only
 *   when nothing in it is protected, unreadable, updating or unsafe to destroy, no GPU pod runs or
 *   waits, and the cluster has been idle for the largest `clusterIdleMinutes` of the group.
 * - An experiment stack on a reused cluster is never destroyed on its own: it holds no GPUs once
 *   its Job has finished, so removing it alone saves nothing and loses the Job's record.
 * - A `mode: existing` stack is reported and never destroyed: the cluster is not this project's.
 * - Whatever cannot be read is kept (fail safe), and a stack whose cluster cannot be told keeps
 *   every cluster: it might run on any of them.
 */
import type { StackSpec } from "../config/spec";
import { Activity, isBusy, isRunning } from "./activity";
import { describeBusy, describeInadmissible } from "./describe-work";
import { formatMinutes, formatTime } from "./format";
import { IdleFacts, idleFacts, settingsOf } from "./idle-facts";
import type { IdleSettings } from "./settings";
import { destroyHazards } from "./storage";
import type { DeployedStack, StackResource } from "./types";

export { formatMinutes } from "./format";
export type { IdleFacts } from "./idle-facts";

/** How long an update may hold a stack before the run turns red: longer than the slowest real destroy (about 40 min for an EKS stack). */
export const DEFAULT_UPDATE_BOUND_MINUTES = 120;

export interface DecideOptions {
  /** An update in progress for longer than this is taken as stuck (a killed `pulumi`). */
  readonly updateBoundMinutes: number;
}

export type Observed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export type ClusterRef = { readonly mode: "create" } | { readonly mode: "reuse"; readonly stack: string } | { readonly mode: "existing" };

/** Everything read about one deployed stack. */
export interface StackFacts {
  /** The backend's name for it (what destroy is called with). */
  readonly name: string;
  /** Its short name, as in stacks/Pulumi.<stack>.yaml. */
  readonly stack: string;
  readonly deployed: DeployedStack;
  /** Where its cluster is, from its file or, failing that, its outputs; undefined when neither says. */
  readonly clusterRef?: ClusterRef;
  readonly spec: Observed<StackSpec>;
  /** Its idle settings: deployed (its `summary` output) first, else its stack file (reap/settings.ts). */
  readonly settings?: Observed<IdleSettings>;
  /** Cluster base cost in $/h (mode create, from the plan); undefined when unknown. */
  readonly basePerHour?: number;
  /** The GPU activity of its cluster: read for `mode: create` stacks only. */
  readonly activity?: Observed<Activity>;
  /** Its state, for the storage check: read for stacks the reaper could destroy. */
  readonly resources?: Observed<readonly StackResource[]>;
  /** While an update is in progress: when it started (`pulumi stack history`), where the backend says. */
  readonly updateStartedAt?: Date;
  /**
   * Why its cluster is taken as gone (a cluster stack whose endpoint no longer resolves after a
   * failed destroy, or whose state has no EKS cluster left); then nothing can run there, and the
   * destroy is retried.
   */
  readonly clusterGone?: string;
  /** When its last update, a destroy, failed: the reaper had judged it idle, so the destroy is retried without waiting the limit again. */
  readonly destroyFailedAt?: Date;
}

export type Action = "destroy" | "keep" | "skip";

export type ReasonCode =
  | "idle"
  | "recent"
  | "busy"
  | "pending"
  | "queued"
  | "needs-decision"
  | "stuck-update"
  | "cluster-gone"
  | "retry-destroy"
  | "protected"
  | "unreadable"
  | "updating"
  | "unsafe-storage"
  | "blocked-by-dependent"
  | "kept-with-cluster"
  | "unknown-dependent"
  | "orphan"
  | "existing"
  | "empty";

export interface StackDecision {
  readonly name: string;
  readonly stack: string;
  readonly role: "cluster" | "experiment" | "existing" | "unknown";
  /** For an experiment: the cluster stack it reuses. */
  readonly clusterStack?: string;
  readonly action: Action;
  readonly code: ReasonCode;
  readonly reason: string;
  /** For a cluster: its idle time, last job and cost. */
  readonly idle?: IdleFacts;
  /** Its stack file disagrees with its deployed idle settings (reap/settings.ts). */
  readonly settingsNote?: string;
  /** What needs a person among its reasons (a stuck update, work Kueue will not admit), whatever its first reason. */
  readonly attention?: readonly ReasonCode[];
}

/** Reasons that need a person: a scheduled run turns red on them. */
export const ATTENTION: ReadonlySet<ReasonCode> = new Set(["stuck-update", "needs-decision"]);

export interface ReapPlan {
  readonly decisions: readonly StackDecision[];
  /** Groups to destroy, each in order (experiments first, then their cluster), by backend name. */
  readonly groups: readonly { readonly cluster: string; readonly stacks: readonly string[]; readonly clusterGone?: boolean }[];
}

interface Blocker {
  readonly code: ReasonCode;
  readonly reason: string;
  /** The stack the blocker is about. */
  readonly stack: string;
}

export function decide(facts: readonly StackFacts[], now: Date, options: DecideOptions = { updateBoundMinutes: DEFAULT_UPDATE_BOUND_MINUTES }): ReapPlan {
  const decisions: StackDecision[] = [];
  const groups: { cluster: string; stacks: string[]; clusterGone?: boolean }[] = [];
  const live = facts.filter((f) => f.deployed.resourceCount !== 0);
  for (const f of facts.filter((f) => f.deployed.resourceCount === 0)) {
    decisions.push({ name: f.name, stack: f.stack, role: roleOf(f), action: "skip", code: "empty", reason: "nothing deployed (0 resources)" });
  }

  const unknown = live.filter((f) => f.clusterRef === undefined);
  for (const f of unknown) {
    decisions.push({ name: f.name, stack: f.stack, role: "unknown", action: "keep", code: "unreadable", reason: `cannot tell which cluster it uses: ${errorOf(f.spec)}` });
  }

  for (const f of live.filter((f) => f.clusterRef?.mode === "existing")) {
    decisions.push({
      name: f.name,
      stack: f.stack,
      role: "existing",
      action: "skip",
      code: "existing",
      reason: "cluster.mode is existing: the cluster is not this project's, so reap never destroys it (its Job holds no GPUs once finished; `pulumi destroy` it by hand to remove its objects)",
    });
  }

  const clusters = live.filter((f) => f.clusterRef?.mode === "create");
  const clusterNames = new Set(clusters.map((c) => c.stack));
  for (const f of live) {
    const ref = f.clusterRef;
    if (ref?.mode === "reuse" && !clusterNames.has(ref.stack)) {
      decisions.push({
        name: f.name,
        stack: f.stack,
        role: "experiment",
        clusterStack: ref.stack,
        action: "keep",
        code: "orphan",
        reason: `its cluster stack ${ref.stack} is not deployed here, so there is no cluster to reap with it`,
      });
    }
  }

  for (const cluster of [...clusters].sort((a, b) => a.stack.localeCompare(b.stack))) {
    const dependents = live
      .filter((f) => f.clusterRef?.mode === "reuse" && f.clusterRef.stack === cluster.stack)
      .sort((a, b) => a.stack.localeCompare(b.stack));
    const group = decideGroup(cluster, dependents, unknown, now, options);
    decisions.push(...group.decisions);
    if (group.destroy) groups.push({ cluster: cluster.name, stacks: [...dependents.map((d) => d.name), cluster.name], ...(cluster.clusterGone ? { clusterGone: true } : {}) });
  }

  return { decisions: sortDecisions(decisions, facts), groups };
}

function decideGroup(cluster: StackFacts, dependents: readonly StackFacts[], unknown: readonly StackFacts[], now: Date, options: DecideOptions): { decisions: StackDecision[]; destroy: boolean } {
  const idle = idleFacts(cluster, dependents, now);
  const blockers = groupBlockers(cluster, dependents, unknown, idle, now, options);
  const gone = cluster.clusterGone;
  const clusterDecision: StackDecision =
    blockers.length === 0
      ? gone
        ? { name: cluster.name, stack: cluster.stack, role: "cluster", action: "destroy", code: "cluster-gone", reason: `${gone}: nothing can run there, so the destroy is retried (Kubernetes objects of the gone cluster are dropped from the state)`, idle }
        : cluster.destroyFailedAt
          ? { name: cluster.name, stack: cluster.stack, role: "cluster", action: "destroy", code: "retry-destroy", reason: `its last destroy failed (${formatTime(cluster.destroyFailedAt)}) and no GPU work runs, waits or is queued on it: the destroy is retried`, idle }
          : { name: cluster.name, stack: cluster.stack, role: "cluster", action: "destroy", code: "idle", reason: idleReason(idle), idle }
      : {
          name: cluster.name,
          stack: cluster.stack,
          role: "cluster",
          action: "keep",
          code: blockers[0].stack === cluster.stack ? blockers[0].code : "blocked-by-dependent",
          reason: blockers.map((b) => b.reason).join("; "),
          idle,
          ...attentionOf(blockers.filter((b) => b.stack === cluster.stack)),
        };

  const decisions: StackDecision[] = [{ ...clusterDecision, ...noteOf(cluster) }];
  for (const d of dependents) {
    const own = blockers.find((b) => b.stack === d.stack);
    const base = { name: d.name, stack: d.stack, role: "experiment" as const, clusterStack: cluster.stack, ...noteOf(d) };
    if (blockers.length === 0) {
      decisions.push(
        gone
          ? { ...base, action: "destroy", code: "cluster-gone", reason: `its cluster ${cluster.stack} is gone; destroyed before the retry of its cluster stack` }
          : { ...base, action: "destroy", code: "idle", reason: `its cluster ${cluster.stack} is ${cluster.destroyFailedAt ? "destroyed again" : "idle"} and is destroyed after it (an experiment's idleness is its cluster's)` },
      );
    } else if (own) {
      decisions.push({ ...base, action: "keep", code: own.code, reason: own.reason, ...attentionOf(blockers.filter((b) => b.stack === d.stack)) });
    } else {
      decisions.push({ ...base, action: "keep", code: "kept-with-cluster", reason: `kept with its cluster ${cluster.stack} (${clusterDecision.reason})` });
    }
  }
  return { decisions, destroy: blockers.length === 0 };
}

/** Every reason not to destroy the group, the most fundamental first. */
function groupBlockers(cluster: StackFacts, dependents: readonly StackFacts[], unknown: readonly StackFacts[], idle: IdleFacts, now: Date, options: DecideOptions): Blocker[] {
  const blockers: Blocker[] = [];
  const c = cluster.stack;
  const onIt = (d: StackFacts) => `experiment stack ${d.stack} (runs on this cluster)`;

  const cs = settingsOf(cluster);
  if (!cs.ok) blockers.push({ code: "unreadable", stack: c, reason: `cannot read its configuration: ${cs.error}` });
  else if (cs.value.protected) blockers.push({ code: "protected", stack: c, reason: "idle.protected is true" });
  for (const d of dependents) {
    const ds = settingsOf(d);
    if (!ds.ok) blockers.push({ code: "unreadable", stack: d.stack, reason: `${onIt(d)}: cannot read its configuration: ${ds.error}` });
    else if (ds.value.protected) blockers.push({ code: "protected", stack: d.stack, reason: `${onIt(d)} has idle.protected: true` });
  }
  if (unknown.length > 0) {
    blockers.push({ code: "unknown-dependent", stack: c, reason: `stack${unknown.length === 1 ? "" : "s"} ${unknown.map((u) => u.stack).join(", ")} cannot be read and may run on this cluster` });
  }
  for (const s of [cluster, ...dependents]) {
    if (s.deployed.updateInProgress) blockers.push(updateBlocker(s, s === cluster ? "" : `${onIt(s)}: `, now, options));
  }

  const activity = cluster.activity;
  if (cluster.clusterGone) {
    // Nothing runs on a cluster that is gone; its activity cannot be read and need not be.
  } else if (!activity || !activity.ok) {
    blockers.push({ code: "unreadable", stack: c, reason: `cannot read its GPU activity: ${activity ? activity.error : "not read"}` });
  } else {
    const a = activity.value;
    if (isBusy(a)) blockers.push({ code: isRunning(a) ? "busy" : a.queued.length > 0 ? "queued" : "pending", stack: c, reason: describeBusy(a, now) });
    if (a.inadmissible.length > 0) {
      blockers.push({
        code: "needs-decision",
        stack: c,
        reason: `Kueue will not admit ${describeInadmissible(a, now)}; kept for a person to decide: fix the queue or reactivate it (spec.active: true), or delete its Job or JobSet, and a later run reaps the cluster`,
      });
    }
  }

  for (const s of [cluster, ...dependents]) {
    const label = s === cluster ? "its state" : `${onIt(s)}: its state`;
    if (!s.resources) blockers.push({ code: "unreadable", stack: s.stack, reason: `${label} was not read` });
    else if (!s.resources.ok) blockers.push({ code: "unreadable", stack: s.stack, reason: `${label} cannot be read: ${s.resources.error}` });
    else {
      const hazards = destroyHazards(s.resources.value);
      if (hazards.length > 0) {
        blockers.push({ code: "unsafe-storage", stack: s.stack, reason: `${s === cluster ? "" : `${onIt(s)}: `}destroy would lose data: ${hazards.map((h) => `${h.urn} ${h.message}`).join("; ")}` });
      }
    }
  }

  if (blockers.length === 0 && !cluster.clusterGone && !cluster.destroyFailedAt) {
    if (idle.idleMinutes === undefined) {
      blockers.push({ code: "unreadable", stack: c, reason: "cannot tell when it was last used (no update time and no finished GPU work)" });
    } else if (idle.limitMinutes !== undefined && idle.idleMinutes < idle.limitMinutes) {
      blockers.push({ code: "recent", stack: c, reason: `idle ${formatMinutes(idle.idleMinutes)}, under the ${idle.limitMinutes}-min limit${limitSource(idle, c)}` });
    }
  }
  return blockers;
}

function noteOf(s: StackFacts): { settingsNote?: string } {
  const settings = settingsOf(s);
  return settings.ok && settings.value.mismatch ? { settingsNote: settings.value.mismatch } : {};
}

function attentionOf(blockers: readonly Blocker[]): { attention?: ReasonCode[] } {
  const codes = [...new Set(blockers.map((b) => b.code).filter((c) => ATTENTION.has(c)))];
  return codes.length > 0 ? { attention: codes } : {};
}

/** An update in progress: "updating", or stuck (red) once it has held the stack past the bound. */
function updateBlocker(s: StackFacts, prefix: string, now: Date, options: DecideOptions): Blocker {
  const start = s.updateStartedAt;
  const held = start ? Math.floor((now.getTime() - start.getTime()) / 60_000) : undefined;
  if (held === undefined || held <= options.updateBoundMinutes) {
    return { code: "updating", stack: s.stack, reason: `${prefix}an update is in progress${start ? ` since ${formatTime(start)}` : ""}` };
  }
  return {
    code: "stuck-update",
    stack: s.stack,
    reason: `${prefix}an update has held the stack since ${formatTime(start!)} (${formatMinutes(held)}, over the ${options.updateBoundMinutes}-min bound): if no \`pulumi\` process still runs on it, run \`pulumi cancel --stack ${s.name} --yes\`, then re-run npm run reap`,
  };
}

function idleReason(idle: IdleFacts): string {
  return `no GPU work running, pending or queued in Kueue, idle ${formatMinutes(idle.idleMinutes!)} >= the ${idle.limitMinutes}-min limit`;
}

function limitSource(idle: IdleFacts, cluster: string): string {
  return idle.limitFrom && idle.limitFrom !== cluster ? ` (the clusterIdleMinutes of ${idle.limitFrom})` : "";
}

function roleOf(f: StackFacts): StackDecision["role"] {
  switch (f.clusterRef?.mode) {
    case "create":
      return "cluster";
    case "reuse":
      return "experiment";
    case "existing":
      return "existing";
    default:
      return "unknown";
  }
}

function errorOf<T>(o: Observed<T>): string {
  return o.ok ? "no cluster setting" : o.error;
}

/** Report order: the backend's stack order, each cluster's experiments right after it. */
function sortDecisions(decisions: StackDecision[], facts: readonly StackFacts[]): StackDecision[] {
  const rank = new Map(facts.map((f, i) => [f.name, i]));
  const byName = new Map(decisions.map((d) => [d.name, d]));
  const key = (d: StackDecision): [number, number] => {
    if (d.role === "experiment" && d.clusterStack) {
      const cluster = [...byName.values()].find((c) => c.role === "cluster" && c.stack === d.clusterStack);
      if (cluster) return [rank.get(cluster.name) ?? 0, 1 + (rank.get(d.name) ?? 0)];
    }
    return [rank.get(d.name) ?? 0, 0];
  };
  return [...decisions].sort((a, b) => {
    const [a1, a2] = key(a);
    const [b1, b2] = key(b);
    return a1 - b1 || a2 - b2;
  });
}
