/**
 * One experiment's status from what the cluster serves: the run (its newest Job or JobSet), its
 * queue state, pods by rank, time, cost so far, rank 0's progress, and the verdict once it has
 * ended. Pure: RunObjects and a clock in, plain data out (rendered by render.ts, or as --json).
 */
import { CostSoFar, costSoFar } from "./cost";
import { AttemptsStatus, attemptsOf } from "./attempts";
import { JOBSET_NAME_LABEL, JOB_NAME_LABEL, Job, JobSet, LEGACY_JOB_NAME_LABEL, Pod, RunObjects, created, isTrue, labelsOf, toDate } from "./objects";
import { PodStatus, currentPods, isTerminal, podStart, podStatuses } from "./pods";
import { LogSummary, Throughput, summarizeLog } from "./progress";
import { QueueStatus, RunRef, queueStatus, workloadOf } from "./queue";
import { Verdict, verdictOf } from "./verdict";
import { StartPhase, startPhases } from "./start-phases";
import { SUBMITTED_BY_LABEL } from "../k8s/exec-run";
import { SWEEP_ENV_ANNOTATION, SWEEP_LABEL } from "../k8s/sweep";
import { DEV_IDLE_ANNOTATION } from "../k8s/dev-pod";

export type RunState = "queued" | "starting" | "running" | "succeeded" | "failed" | "evicted" | "deactivated";

export interface ExperimentStatus {
  readonly experiment: string;
  readonly namespace: string;
  /** The run's object; "Pod" when only its pods are left. */
  readonly kind: "Job" | "JobSet" | "Pod";
  readonly name: string;
  readonly state: RunState;
  readonly submittedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  /** Queued: since submission; otherwise since start, up to the end. */
  readonly elapsedSeconds?: number;
  readonly queue: QueueStatus;
  readonly pods: readonly PodStatus[];
  readonly cost: CostSoFar;
  readonly progress?: { readonly rank: number; readonly pod: string; readonly line?: string; readonly throughput?: Throughput };
  readonly verdict?: Verdict;
  /** Earlier Jobs / JobSets of the same experiment still on the cluster. */
  readonly earlierRuns: number;
  /** Group restarts, requeues, and the time and cost of all attempts (status/attempts.ts). */
  readonly attempts?: AttemptsStatus;
  /** Who submitted the run when not its stack: "exec" for `npm run exec` (k8s/exec-run.ts), "dev" for `npm run dev`. */
  readonly submittedBy?: string;
  /** A dev pod's idle limit in minutes (k8s/dev-pod.ts). */
  readonly devIdleMinutes?: number;
  /** Time to first step: the start phases rank 0 has passed (start-phases.ts). */
  readonly startPhases: readonly StartPhase[];
  /** The newest run's sweep (k8s/sweep.ts): every run of the experiment with its sweep label. */
  readonly sweep?: SweepStatus;
}

export interface SweepRunStatus {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  readonly state: "queued" | "starting" | "running" | "succeeded" | "failed";
}

export interface SweepStatus {
  readonly id: string;
  readonly runs: readonly SweepRunStatus[];
}

export type Run = { readonly kind: "Job"; readonly object: Job } | { readonly kind: "JobSet"; readonly object: JobSet };

/** The experiment's runs, oldest first (a JobSet's own child Jobs are not runs). */
export function runsOf(objects: Pick<RunObjects, "jobs" | "jobSets">): Run[] {
  return [
    ...objects.jobs.filter((j) => labelsOf(j)[JOBSET_NAME_LABEL] === undefined).map((object) => ({ kind: "Job" as const, object })),
    ...objects.jobSets.map((object) => ({ kind: "JobSet" as const, object })),
  ].sort((a, b) => created(a.object) - created(b.object));
}

/** The experiment's newest Job or JobSet. */
export function latestRun(objects: RunObjects): { run?: Run; earlier: number } {
  const runs = runsOf(objects);
  return { run: runs[runs.length - 1], earlier: Math.max(0, runs.length - 1) };
}

/** The pods of a run: by the labels Kubernetes and JobSet put on them, or by owner. */
export function podsOfRun(run: Run, pods: readonly Pod[]): Pod[] {
  const name = run.object.metadata?.name;
  const uid = run.object.metadata?.uid;
  return pods.filter((p) => {
    const labels = labelsOf(p);
    if (run.kind === "JobSet") return labels[JOBSET_NAME_LABEL] === name;
    return (
      labels[JOB_NAME_LABEL] === name ||
      labels[LEGACY_JOB_NAME_LABEL] === name ||
      (p.metadata?.ownerReferences ?? []).some((o) => (uid && o.uid === uid) || (o.kind === "Job" && o.name === name))
    );
  });
}

/** The run's pods; pods with the experiment label but no Job label at all still belong to it. */
export function runPods(run: Run | undefined, pods: readonly Pod[]): Pod[] {
  if (!run) return [...pods];
  const own = podsOfRun(run, pods);
  return own.length > 0 ? own : pods.filter((p) => labelsOf(p)[JOB_NAME_LABEL] === undefined && labelsOf(p)[JOBSET_NAME_LABEL] === undefined);
}

/**
 * The runs of the newest run's sweep, oldest first, from their own objects (only the newest run's
 * pods are read). A run's state: its outcome, else queued while Kueue keeps it suspended, else
 * running or starting.
 */
export function sweepOf(objects: RunObjects, latest: Run | undefined): SweepStatus | undefined {
  const id = labelsOf(latest?.object)[SWEEP_LABEL];
  if (!id) return undefined;
  const runs = runsOf(objects).filter((r) => labelsOf(r.object)[SWEEP_LABEL] === id);
  return {
    id,
    runs: runs.map((run) => {
      const outcome = finished(run);
      const state = outcome ? outcome.state : run.object.spec?.suspend === true ? "queued" : isRunning(run) ? "running" : "starting";
      return { name: run.object.metadata?.name ?? "", env: sweepEnv(run.object.metadata?.annotations?.[SWEEP_ENV_ANNOTATION]), state };
    }),
  };
}

/**
 * A Job runs once one of its pods is ready (Job status `ready`, the JobReadyPods count); a JobSet
 * Kueue has let go (not suspended) counts as running, its status not saying more per pod.
 */
function isRunning(run: Run): boolean {
  return run.kind === "Job" ? (run.object.status?.ready ?? 0) > 0 : true;
}

function sweepEnv(text: string | undefined): Record<string, string> {
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    return value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) : {};
  } catch {
    return {};
  }
}

export function buildStatus(objects: RunObjects, now: Date): ExperimentStatus | undefined {
  const { run, earlier } = latestRun(objects);
  if (!run && objects.pods.length === 0) return undefined;
  const pods = runPods(run, objects.pods);
  const ref: RunRef | undefined = run && {
    kind: run.kind,
    name: run.object.metadata?.name ?? objects.experiment,
    uid: run.object.metadata?.uid,
    labels: labelsOf(run.object),
    suspended: run.object.spec?.suspend === true,
  };
  const workload = ref ? workloadOf(ref, objects.workloads) : undefined;
  const queue = ref ? queueStatus(ref, workload, objects.pending) : { state: "none" as const, text: "no Job or JobSet left: only its pods" };
  const podList = podStatuses(pods, objects.nodes);
  const current = currentPods(pods);
  const rank0 = current.get(0)?.pod ?? [...current.values()][0]?.pod;
  const rank0Log = rank0 ? objects.logs.get(rank0.metadata?.name ?? "") : undefined;
  const summaries = new Map<string, LogSummary>([...objects.logs.entries()].map(([pod, text]) => [pod, summarizeLog(text)]));
  const rank0Summary = rank0Log !== undefined ? summaries.get(rank0.metadata?.name ?? "") : undefined;

  const outcome = run ? finished(run) : podsOutcome(pods);
  const verdict = verdictOf({ run: run?.object, kind: run?.kind, outcome, queue, pods, childJobs: objects.jobs, summaries, rank0Summary });
  const state: RunState = outcome
    ? outcome.state
    : queue.state === "deactivated"
      ? "deactivated"
      : podList.some((p) => p.phase === "Running")
        ? "running"
        : queue.state === "evicted"
          ? "evicted"
          : podList.some((p) => p.phase === "Pending")
            ? "starting"
            : queue.state === "queued" || queue.state === "quota-reserved" || ref?.suspended
              ? "queued"
              : "starting";

  const submittedAt = toDate(run?.object.metadata?.creationTimestamp) ?? earliest(pods.map((p) => toDate(p.metadata?.creationTimestamp)));
  const jobStart = run?.kind === "Job" ? toDate(run.object.status?.startTime) : undefined;
  const startedAt = state === "queued" ? undefined : (earliest(pods.map(podStart)) ?? jobStart);
  const finishedAt = outcome?.at;
  const from = state === "queued" ? submittedAt : startedAt;
  const cost = costSoFar(pods, objects.nodes, now, objects.nodesRefused === true);
  const to = finishedAt ?? now;
  return {
    experiment: objects.experiment,
    namespace: objects.namespace,
    kind: run?.kind ?? "Pod",
    name: run?.object.metadata?.name ?? rank0?.metadata?.name ?? objects.experiment,
    state,
    submittedAt,
    startedAt,
    finishedAt,
    elapsedSeconds: from ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)) : undefined,
    queue,
    pods: podList,
    cost,
    attempts: run ? attemptsOf({ jobSet: run.kind === "JobSet" ? run.object : undefined, workload, currentStart: earliest([...current.values()].map((c) => podStart(c.pod))), perHour: cost.perHour || undefined, now }) : undefined,
    progress: rank0 && rank0Summary ? { rank: 0, pod: rank0.metadata?.name ?? "", line: rank0Summary.progressLine, throughput: rank0Summary.throughput } : undefined,
    verdict,
    earlierRuns: earlier,
    submittedBy: run ? labelsOf(run.object)[SUBMITTED_BY_LABEL] : undefined,
    devIdleMinutes: run?.object.metadata?.annotations?.[DEV_IDLE_ANNOTATION] ? Number(run.object.metadata.annotations[DEV_IDLE_ANNOTATION]) : undefined,
    sweep: sweepOf(objects, run),
    startPhases: startPhases({ submitted: submittedAt, workload: ref && workloadOf(ref, objects.workloads), pod: rank0, log: rank0 ? objects.startLogs?.get(rank0.metadata?.name ?? "") : undefined }),
  };
}

export interface Outcome {
  readonly state: "succeeded" | "failed";
  readonly at?: Date;
  readonly reason?: string;
  readonly message?: string;
}

/** Job: Complete / Failed conditions; JobSet: Completed / Failed (jobset_types.go). */
export function finished(run: Run): Outcome | undefined {
  const conditions = run.object.status?.conditions ?? [];
  const done = isTrue(conditions, run.kind === "Job" ? "Complete" : "Completed");
  if (done) return { state: "succeeded", at: (run.kind === "Job" ? toDate(run.object.status?.completionTime) : undefined) ?? toDate(done.lastTransitionTime) };
  const failed = isTrue(conditions, "Failed");
  if (failed) return { state: "failed", at: toDate(failed.lastTransitionTime), reason: failed.reason, message: failed.message };
  return undefined;
}

/** Without a Job: every pod succeeded, or one failed. */
function podsOutcome(pods: readonly Pod[]): Outcome | undefined {
  if (pods.length === 0 || !pods.every(isTerminal)) return undefined;
  return pods.some((p) => p.status?.phase === "Failed") ? { state: "failed" } : { state: "succeeded" };
}

function earliest(dates: readonly (Date | undefined)[]): Date | undefined {
  const ds = dates.filter((d): d is Date => d !== undefined);
  return ds.length > 0 ? new Date(Math.min(...ds.map((d) => d.getTime()))) : undefined;
}
