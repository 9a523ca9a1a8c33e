/**
 * Submits an exec run (k8s/exec-run.ts) to a cluster and watches it: the checks that turn the
 * usual failures into one line before anything is created (no LocalQueue, a stack never deployed
 * to this cluster), the POST of the run, its workdir ConfigMap owned by it, then Kueue's first word
 * on it (admitted, queued, or inadmissible) and, with --follow, rank 0's log and the run's result.
 */
import type { ExperimentSpec } from "../config/spec";
import { experimentNames } from "../config/names";
import { ExecRun, ownedByRun } from "../k8s/exec-run";
import { HttpStatusError, KubeClient, KubeGetter } from "../status/kube-client";
import type { Condition, Workload } from "../status/objects";
import { workloadOf } from "../status/queue";
import { StatusError } from "../status/target";

/** Kueue API versions a cluster may serve, newest first (as status/read.ts reads Workloads). */
const KUEUE_VERSIONS = ["v1beta2", "v1beta1"] as const;

/** How long `exec` waits for Kueue's first word on the new run; overridable for slow clusters. */
export const ADMISSION_WAIT_MS = Number(process.env.GTC_EXEC_ADMISSION_WAIT_MS ?? 5_000);
const POLL_MS = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function exists(kube: KubeGetter, path: string): Promise<boolean> {
  try {
    await kube.getJson(path);
    return true;
  } catch (e) {
    if (e instanceof HttpStatusError && e.status === 404) return false;
    throw e;
  }
}

export interface Preconditions {
  readonly stack: string;
  readonly experiment: ExperimentSpec;
  readonly localQueue?: string;
  /** The stack's namespace (plan.queueing.namespace). */
  readonly namespace: string;
}

/**
 * What the run needs on the cluster and `pulumi up` made: the LocalQueue (Kueue would hold the run
 * forever without one: "LocalQueue ... doesn't exist"), the launcher ConfigMap and, where the
 * experiment has secrets, their Secret (a pod referring to a missing one never starts). Read in
 * parallel: each is one GET.
 */
export async function checkPreconditions(kube: KubeGetter, pre: Preconditions): Promise<void> {
  const ns = pre.namespace;
  const names = experimentNames(pre.experiment);
  const queue = pre.localQueue;
  const [queueVersion, launcher, secret] = await Promise.all([
    queue ? findLocalQueue(kube, ns, queue) : Promise.resolve(undefined),
    exists(kube, `/api/v1/namespaces/${ns}/configmaps/${names.launcherConfigMap}`),
    pre.experiment.secretEnv.length > 0 ? exists(kube, `/api/v1/namespaces/${ns}/secrets/${pre.experiment.name}-secret-env`) : Promise.resolve(true),
  ]);
  if (queue && queueVersion === undefined) {
    throw new StatusError(`the cluster at ${kube.server} has no Kueue LocalQueue ${queue} in namespace ${ns}: run \`pulumi up\` on stack ${pre.stack} (or the stack that owns the cluster) to create it`);
  }
  if (queueVersion && !queueVersion.active) {
    throw new StatusError(`Kueue LocalQueue ${queue} on ${kube.server} is inactive, so no run can be admitted: ${queueVersion.why}`);
  }
  if (!launcher) {
    throw new StatusError(`experiment ${pre.experiment.name} has not been deployed to the cluster at ${kube.server} (no ConfigMap ${names.launcherConfigMap}): run \`pulumi up\` on stack ${pre.stack} once; exec reuses its launcher, volumes and secrets`);
  }
  if (!secret) {
    throw new StatusError(`the Secret ${pre.experiment.name}-secret-env of experiment.secretEnv is not on the cluster at ${kube.server}: run \`pulumi up\` on stack ${pre.stack} to create it`);
  }
}

/** The LocalQueue and whether Kueue calls it active (condition Active, kueue docs "Troubleshooting Queues"). */
async function findLocalQueue(kube: KubeGetter, ns: string, name: string): Promise<{ active: boolean; why: string } | undefined> {
  for (const version of KUEUE_VERSIONS) {
    try {
      const q = await kube.getJson<{ status?: { conditions?: Condition[] } }>(`/apis/kueue.x-k8s.io/${version}/namespaces/${ns}/localqueues/${encodeURIComponent(name)}`);
      const active = (q.status?.conditions ?? []).find((c) => c.type === "Active");
      return { active: active?.status !== "False", why: `${active?.reason ?? ""}${active?.message ? `: ${active.message}` : ""}` };
    } catch (e) {
      if (!(e instanceof HttpStatusError && e.status === 404)) throw e;
    }
  }
  return undefined;
}

export interface Created {
  readonly uid: string;
  readonly name: string;
}

/** POST the run, then its workdir ConfigMap owned by it (before admission: Kueue suspends the run on creation). */
export async function submit(kube: KubeClient, run: ExecRun): Promise<Created> {
  const created = await kube.create<{ metadata?: { uid?: string; name?: string } }>(run.collectionPath, run.object);
  const uid = created.metadata?.uid;
  if (!uid) throw new StatusError(`${kube.server} created ${run.kind} ${run.name} but returned no uid`);
  if (run.workdirConfigMap) {
    const ns = run.workdirConfigMap.metadata!.namespace!;
    await kube.create(`/api/v1/namespaces/${ns}/configmaps`, ownedByRun(run.workdirConfigMap, { kind: run.kind, name: run.name, uid }));
  }
  return { uid, name: created.metadata?.name ?? run.name };
}

export type Admission = { readonly state: "admitted" } | { readonly state: "queued"; readonly why: string } | { readonly state: "unknown" };

function condition(w: Workload, type: string): Condition | undefined {
  return (w.status?.conditions ?? []).find((c) => c.type === type);
}

/**
 * Kueue's first word on the run, read until `waitMs` has passed: admitted, queued (why), or a
 * StatusError when Kueue calls it inadmissible (QuotaReserved False with reason Inadmissible:
 * kubernetes-sigs/kueue site "Kueue workload lifecycle", Submitted → Inadmissible).
 */
export async function firstAdmission(kube: KubeGetter, run: ExecRun, created: Created, waitMs = ADMISSION_WAIT_MS): Promise<Admission> {
  const ns = run.object.metadata!.namespace as string;
  const until = Date.now() + waitMs;
  let last: Admission = { state: "unknown" };
  for (;;) {
    const workload = workloadOf({ kind: run.kind, name: created.name, uid: created.uid, labels: {}, suspended: true }, await readWorkloads(kube, ns));
    if (workload) {
      const reserved = condition(workload, "QuotaReserved");
      if (condition(workload, "Admitted")?.status === "True") return { state: "admitted" };
      if (reserved?.status === "False" && reserved.reason === "Inadmissible") {
        throw new StatusError(`Kueue cannot admit run ${created.name}: ${reserved.message ?? "inadmissible"} (the ${run.kind} stays queued; delete it with kubectl delete ${run.kind.toLowerCase()} ${created.name})`);
      }
      last = { state: "queued", why: reserved?.message ?? "waiting for quota" };
    }
    if (Date.now() >= until) return last;
    await sleep(Math.min(POLL_MS, Math.max(0, until - Date.now())));
  }
}

async function readWorkloads(kube: KubeGetter, ns: string): Promise<Workload[]> {
  for (const version of KUEUE_VERSIONS) {
    try {
      return (await kube.getJson<{ items?: Workload[] }>(`/apis/kueue.x-k8s.io/${version}/namespaces/${ns}/workloads`)).items ?? [];
    } catch (e) {
      if (!(e instanceof HttpStatusError && (e.status === 404 || e.status === 405))) throw e;
    }
  }
  return [];
}

/** The run's result once it has one: 0 succeeded, 1 failed; polls until then. */
export async function runResult(kube: KubeGetter, run: ExecRun, created: Created): Promise<{ code: number; text: string }> {
  const path = `${run.collectionPath}/${encodeURIComponent(created.name)}`;
  for (;;) {
    const object = await kube.getJson<{ status?: { conditions?: Condition[] } }>(path);
    const conditions = (object.status?.conditions ?? []).filter((c) => c.status === "True");
    const done = conditions.find((c) => c.type === "Complete" || c.type === "Completed");
    if (done) return { code: 0, text: `run ${created.name} succeeded` };
    const failed = conditions.find((c) => c.type === "Failed");
    if (failed) return { code: 1, text: `run ${created.name} failed: ${failed.reason ?? ""}${failed.message ? `: ${failed.message}` : ""}` };
    await sleep(2_000);
  }
}
