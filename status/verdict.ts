/**
 * How a run ended, in one line. Pure. In order of how directly a cause explains the failure:
 *
 * 1. the deadline: a Job past `activeDeadlineSeconds` (our maxRunTimeMinutes) fails with condition
 *    reason `DeadlineExceeded` (https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup);
 * 2. a container killed for memory: terminated reason `OOMKilled`
 *    (https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit);
 * 3. the preflight's (or launcher's) own line, `preflight: error: <problem and fix>` in the failed
 *    pod's log (images/launcher/preflight.py);
 * 4. the smoke workload's failed checks (`SMOKE_RESULT` with `"ok": false`, images/launcher/smoke.py);
 * 5. a pod evicted by its node (pod status reason `Evicted`);
 * 6. otherwise the exit code and the Job's own Failed reason (e.g. PodFailurePolicy, BackoffLimitExceeded).
 *
 * A Kueue-deactivated run ends too (it is not admitted again until reactivated).
 */
import { Job, JobSet, JOBSET_NAME_LABEL, Pod, isTrue, labelsOf } from "./objects";
import { podDetail, rankOf, terminated } from "./pods";
import type { LogSummary } from "./progress";
import type { QueueStatus } from "./queue";
import type { Outcome } from "./report";

export type VerdictOutcome = "succeeded" | "failed" | "deactivated";

export interface Verdict {
  readonly outcome: VerdictOutcome;
  /** What ended it: deadline, oom, preflight, smoke, evicted, exit, deactivated, completed. */
  readonly cause: string;
  readonly reason: string;
}

export interface VerdictInput {
  readonly run?: Job | JobSet;
  readonly kind?: "Job" | "JobSet";
  readonly outcome?: Outcome;
  readonly queue: QueueStatus;
  readonly pods: readonly Pod[];
  /** Every Job read (a JobSet's child Jobs carry its deadline conditions). */
  readonly childJobs: readonly Job[];
  /** Log summaries by pod name. */
  readonly summaries: ReadonlyMap<string, LogSummary>;
  readonly rank0Summary?: LogSummary;
}

export function verdictOf(input: VerdictInput): Verdict | undefined {
  const { outcome } = input;
  if (!outcome) {
    if (input.queue.state === "deactivated") return { outcome: "deactivated", cause: "deactivated", reason: input.queue.text };
    return undefined;
  }
  if (outcome.state === "succeeded") {
    const smoke = input.rank0Summary?.smoke;
    const rate = smoke?.samplesPerSecondTotal !== undefined ? `, ${smoke.samplesPerSecondTotal} samples/s over ${smoke.worldSize ?? "?"} rank(s)` : "";
    return { outcome: "succeeded", cause: "completed", reason: smoke ? `smoke workload passed${rate}` : `every rank exited 0` };
  }
  return { outcome: "failed", ...failureCause(input, outcome) };
}

function failureCause(input: VerdictInput, outcome: Outcome): { cause: string; reason: string } {
  const deadline = deadlineSeconds(input);
  if (outcome.reason === "DeadlineExceeded" || deadline.hit) {
    return { cause: "deadline", reason: `deadline exceeded: the run passed its maxRunTimeMinutes${deadline.seconds ? ` (activeDeadlineSeconds ${deadline.seconds}, ${Math.round(deadline.seconds / 60)} min)` : ""} and its pods were stopped` };
  }
  const byRank = [...input.pods].sort((a, b) => rankOf(a) - rankOf(b));
  for (const pod of byRank) {
    const t = terminated(pod);
    if (t?.reason === "OOMKilled") {
      const limit = pod.spec?.containers?.find((c) => c.name === t.container)?.resources?.limits?.memory;
      return { cause: "oom", reason: `OOMKilled: rank ${rankOf(pod)} (pod ${pod.metadata?.name}) went over its memory limit${limit ? ` of ${limit}` : ""}` };
    }
  }
  const failedPods = byRank.filter((p) => p.status?.phase === "Failed");
  for (const pod of [...failedPods, ...byRank]) {
    const line = input.summaries.get(pod.metadata?.name ?? "")?.failureLine;
    if (line) {
      const count = input.summaries.get(pod.metadata?.name ?? "")!.failureCount;
      return { cause: line.startsWith("preflight") ? "preflight" : "launch", reason: `rank ${rankOf(pod)}: ${line}${count > 1 ? ` (and ${count - 1} more)` : ""}` };
    }
  }
  const smoke = input.rank0Summary?.smoke;
  if (smoke && !smoke.ok) return { cause: "smoke", reason: `smoke workload failed: ${smoke.problems.join("; ") || "see the log"}` };
  const evicted = byRank.find((p) => p.status?.reason === "Evicted");
  if (evicted) return { cause: "evicted", reason: `evicted from its node: ${evicted.status?.message ?? "no message"}` };
  const failed = failedPods[0];
  const exit = failed ? `rank ${rankOf(failed)} (pod ${failed.metadata?.name}) ${podDetail(failed) ?? "failed"}` : undefined;
  const job = [outcome.reason, outcome.message].filter(Boolean).join(": ");
  return { cause: "exit", reason: [exit, job].filter(Boolean).join("; ") || "failed (no reason recorded)" };
}

/** The deadline of the run, and whether it (or, for a JobSet, one of its Jobs) hit it. */
function deadlineSeconds(input: VerdictInput): { seconds?: number; hit: boolean } {
  if (input.kind === "Job") {
    const job = input.run as Job | undefined;
    return { seconds: job?.spec?.activeDeadlineSeconds, hit: false };
  }
  const name = input.run?.metadata?.name;
  const children = input.childJobs.filter((j) => labelsOf(j)[JOBSET_NAME_LABEL] === name);
  const hit = children.find((j) => isTrue(j.status?.conditions, "Failed")?.reason === "DeadlineExceeded");
  return { seconds: hit?.spec?.activeDeadlineSeconds, hit: hit !== undefined };
}
