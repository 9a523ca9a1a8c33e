/**
 * Time to first step: when a run passed each phase of its start, from what the cluster records
 * and rank 0's log. Pure.
 *
 * - submitted: the run object's creationTimestamp;
 * - admitted: the Workload's `Admitted` condition (Kueue, kueue.x-k8s.io Workload status);
 * - pod scheduled: rank 0's `PodScheduled` condition (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions);
 *   on a pool at zero this includes the node's scale-up and boot;
 * - image pulled: the trainer container's `startedAt`; the kubelet starts it right after the pull;
 * - preflight done: the log's `preflight: ok` line (images/launcher/preflight.py);
 * - setup done: the log's `launch: exec` line, which the launcher prints after the workdir and the
 *   setup commands, as it starts torchrun (images/launcher/launch.py);
 * - first step: the first line after it that reports progress (a rate, `step N`) — rendezvous
 *   included, which prints nothing of its own.
 * Log times come from the kubelet: the log is read with `timestamps=true`, which starts each line
 * with its RFC 3339 time (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-read-log-of-the-specified-pod).
 */
import type { Pod, Workload } from "./objects";
import { TRAINER_CONTAINER } from "./pods";

export type StartPhaseName = "submitted" | "admitted" | "pod scheduled" | "image pulled" | "preflight done" | "setup done" | "first step";

export interface StartPhase {
  readonly phase: StartPhaseName;
  readonly at: Date;
  /** Seconds since the phase before it that is known. */
  readonly afterSeconds: number;
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (.*)$/;
const PROGRESS = /\b(?:step|iter(?:ation)?)\s*[:=#]?\s*\d+|\d(?:[\d,]*)(?:\.\d+)?\s*(?:samples|tokens|it|steps|images|examples|batches)\s*\/\s*s\b|\bsmoke: rank \d+\/\d+/i;

function date(value: string | Date | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The times of the log's start marks, from a log read with timestamps=true. */
export function logMarks(log: string | undefined): Partial<Record<"preflight done" | "setup done" | "first step", Date>> {
  const marks: Partial<Record<"preflight done" | "setup done" | "first step", Date>> = {};
  for (const raw of (log ?? "").split("\n")) {
    const m = STAMPED.exec(raw);
    if (!m) continue;
    const [, stamp, line] = m;
    if (!marks["preflight done"] && line.startsWith("preflight: ok")) marks["preflight done"] = date(stamp);
    else if (!marks["setup done"] && line.startsWith("launch: exec")) marks["setup done"] = date(stamp);
    else if (marks["setup done"] && !marks["first step"] && PROGRESS.test(line)) {
      marks["first step"] = date(stamp);
      break;
    }
  }
  return marks;
}

export interface StartInput {
  readonly submitted?: Date;
  readonly workload?: Workload;
  /** Rank 0's pod. */
  readonly pod?: Pod;
  /** Rank 0's log, read with timestamps=true (its start). */
  readonly log?: string;
}

export function startPhases(input: StartInput): StartPhase[] {
  const condition = (type: string) => (input.pod?.status?.conditions ?? []).find((c) => c.type === type && c.status === "True");
  const admitted = (input.workload?.status?.conditions ?? []).find((c) => c.type === "Admitted" && c.status === "True");
  const trainer = (input.pod?.status?.containerStatuses ?? []).find((s) => s.name === TRAINER_CONTAINER);
  const started = trainer?.state?.running?.startedAt ?? trainer?.state?.terminated?.startedAt;
  const marks = logMarks(input.log);
  const known: [StartPhaseName, Date | undefined][] = [
    ["submitted", input.submitted],
    ["admitted", date(admitted?.lastTransitionTime)],
    ["pod scheduled", date(condition("PodScheduled")?.lastTransitionTime)],
    ["image pulled", date(started)],
    ["preflight done", marks["preflight done"]],
    ["setup done", marks["setup done"]],
    ["first step", marks["first step"]],
  ];
  const phases: StartPhase[] = [];
  for (const [phase, at] of known) {
    if (!at) continue;
    const before = phases[phases.length - 1];
    phases.push({ phase, at, afterSeconds: before ? Math.max(0, (at.getTime() - before.at.getTime()) / 1000) : 0 });
  }
  return phases;
}
