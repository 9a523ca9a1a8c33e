/**
 * Kueue and JobSet: settings, the plan's waitForPodsReady bound, and the queue objects each
 * cluster stack creates, built purely from the example stacks.
 */
import { parse } from "yaml";
import { listStacks } from "../config/stack-file";
import { buildPlan } from "../plan/plan";
import { renderPlan } from "../plan/render";
import { stuckStartIdleMinutes } from "../plan/queueing";
import { CLUSTER_QUEUE } from "../k8s/cluster-queue";
import { JOBSET_CHART, KUEUE_CHART } from "../catalog/versions";
import { QUEUE_NAME_LABEL } from "../k8s/local-queue";
import { buildQueueObjects } from "../k8s/queues";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { readLauncherFiles } from "../components/launcher-files";
import { queueFitProblems } from "../k8s/queue-fit";
import { flavorAdmitsSelector, tolerates } from "../k8s/scheduling";
import { T4_POOL, load, problemsOf, raw } from "./helpers/config";
import { loadStack, pureObjects, runParts } from "./helpers/experiment";
import { PROJECT_DIR } from "./helpers/plan";

const CLUSTER = { nodePools: [{ name: "t4", gpu: "t4", maxNodes: 4 }] };

describe("queueing settings", () => {
  it("default to installing Kueue and JobSet with the LocalQueue 'training' and a derived timeout", () => {
    const spec = load({ ...CLUSTER });
    expect(spec.queueing).toMatchObject({ install: true, localQueue: "training", requeueLimit: 3, requeueBackoffBaseSeconds: 60, installedHere: true, ownerStack: "test" });
    expect(spec.queueing.podsReadyTimeoutMinutes).toBeUndefined();
  });

  it("belong to the cluster's stack: a reuse stack inherits them and may not set its own", () => {
    const others = { owner: raw({ ...CLUSTER, queueing: { localQueue: "gpu-jobs", requeueLimit: 1 } }, { "aws:region": "us-east-1" }) };
    const reuse = { cluster: { mode: "reuse", stack: "owner" }, experiment: { name: "e", pool: "t4" } };
    expect(load(reuse, others).queueing).toMatchObject({ localQueue: "gpu-jobs", requeueLimit: 1, ownerStack: "owner", installedHere: false });
    expect(problemsOf(() => load({ ...reuse, queueing: { localQueue: "x" } }, others))).toEqual([
      `queueing: is set by the cluster's own stack with cluster.mode "reuse" (got a queueing section; set it in stacks/Pulumi.owner.yaml, whose queue this stack uses)`,
    ]);
  });

  it("use an existing cluster's own Kueue when told to, and refuse that for a new cluster", () => {
    const existing = load({ cluster: { mode: "existing" }, nodePools: [T4_POOL], queueing: { install: false, localQueue: "team-a", clusterQueue: "lab-gpus" } }, {}, null);
    expect(existing.queueing).toMatchObject({ install: false, localQueue: "team-a", clusterQueue: "lab-gpus", installedHere: false, ownerStack: undefined });
    // Each stack creates its LocalQueue in its own namespace, so it must know the cluster's ClusterQueue.
    expect(problemsOf(() => load({ cluster: { mode: "existing" }, nodePools: [T4_POOL], queueing: { install: false } }, {}, null))).toEqual([
      "queueing.clusterQueue: is required with install: false (got none; name the cluster's ClusterQueue, on which each experiment stack creates its LocalQueue in its own namespace)",
    ]);
    expect(problemsOf(() => load({ ...CLUSTER, queueing: { clusterQueue: "lab-gpus" } }))).toEqual([
      'queueing.clusterQueue: is set only with install: false (got "lab-gpus"; with install: true the stack creates the ClusterQueue itself)',
    ]);
    expect(problemsOf(() => load({ ...CLUSTER, queueing: { install: false } }))).toEqual([
      'queueing.install: must be true with cluster.mode "create" (got false; the new cluster has no Kueue or JobSet of its own; false is for an existing cluster that already runs them)',
    ]);
  });

  it("reject bad values with the field, the value and what is allowed", () => {
    const problems = problemsOf(() => load({ ...CLUSTER, queueing: { localQueue: "Bad_Name", podsReadyTimeoutMinutes: 0, colour: 1 } }));
    expect(problems.join("\n")).toContain("queueing.localQueue");
    expect(problems.join("\n")).toContain("queueing.podsReadyTimeoutMinutes");
    expect(problems.join("\n")).toContain("colour");
  });
});

describe("waitForPodsReady in the plan", () => {
  it("is derived from scale-up plus image pull, at most 20 minutes, for every example stack", () => {
    for (const stack of listStacks(PROJECT_DIR)) {
      const { plan } = loadStack(stack);
      const ready = plan.queueing.podsReady!;
      expect(ready.timeoutMinutes).toBeGreaterThanOrEqual(ready.expectedMinutes);
      expect(ready.timeoutMinutes).toBeLessThanOrEqual(20);
      expect(ready.requeueLimit).toBeGreaterThanOrEqual(1);
    }
    expect(loadStack("t4-smoke").plan.queueing.podsReady).toMatchObject({ timeoutMinutes: 18, expectedMinutes: 12, source: "derived" });
    // Machines that are already there need no scale-up.
    expect(loadStack("rtx4090-existing").plan.queueing.podsReady).toMatchObject({ timeoutMinutes: 8, expectedMinutes: 5 });
  });

  it("can be set explicitly, beyond 20 minutes", () => {
    const plan = buildPlan(load({ ...CLUSTER, queueing: { podsReadyTimeoutMinutes: 45 } }));
    expect(plan.queueing.podsReady).toMatchObject({ timeoutMinutes: 45, source: "configured" });
  });

  it("is printed in minutes and dollars with the queue and the restart policy", () => {
    const text = renderPlan(loadStack("a100-2x8").plan);
    expect(text).toContain("queue: LocalQueue a100-2x8/training, the stack's own (ClusterQueue, Kueue and JobSet installed by this stack)");
    expect(text).toContain("not all ready 18 min after admission");
    // 2 x p4d.24xlarge at $21.96/h for 18 minutes, then 4 attempts (3 requeues): 4 x $13.18, plus the
    // nodes idle during the backoffs (1 + 2 + 4 min) and until scale-down after the last (7 min): 14 min, $10.25.
    expect(text).toContain("a stuck start costs at most $13.18 per attempt, $62.97 over all 4 attempts");
    expect(text).toContain("14 min in all");
    expect(text).toContain("the same 18 min (recoveryTimeout)");
    expect(text).toContain("after a training failure at most 1 restart");
    expect(renderPlan(loadStack("shared-t4-sweep").plan)).toContain("queue: LocalQueue shared-t4-sweep/training, the stack's own (on the ClusterQueue of stack shared-cluster)");
  });

  it("counts a requeue backoff as idle node time only until scale-down would have removed the nodes", () => {
    const ready = { timeoutMinutes: 18, expectedMinutes: 12, source: "derived" as const, requeueLimit: 3, backoffBaseSeconds: 600, backoffMaxSeconds: 3600 };
    // Backoffs of 10, 20 and 40 min, each capped at the 12-minute scale-down bound, then 12 min after the last.
    expect(stuckStartIdleMinutes(ready, 12)).toBe(10 + 12 + 12 + 12);
    expect(stuckStartIdleMinutes({ ...ready, requeueLimit: 0 }, 12)).toBe(12);
  });

  it("prices the run per attempt and says how many attempts there can be", () => {
    const text = renderPlan(loadStack("a100-2x8").plan);
    expect(text).toContain("at most $527.05 per attempt over its 720-minute limit");
    expect(text).toContain("2 attempts when training fails (maxRestarts 1 + 1), at most $1054.10; with node disruptions at most 12 in all (+ maxDisruptionRestarts 10)");
  });

  it("says how long the script really has to save on SIGTERM, and that a changed spec resumes", () => {
    const text = renderPlan(loadStack("a100-2x8").plan);
    expect(text).toContain("on SIGTERM the script has about 30 s (torchrun's shutdown) within a 120 s pod grace period to save");
    expect(text).not.toContain("120 s to save");
    expect(text).toContain("a change to the run's spec keeps GTC_CHECKPOINT_DIR: the changed run resumes from the experiment's last saved state (freshStart: true starts from step 0)");
  });
});

describe("queue objects of a cluster stack", () => {
  it("pins one Kueue and one JobSet chart, Kueue managing Jobs and JobSets with waitForPodsReady", () => {
    expect(KUEUE_CHART).toEqual({ chart: "oci://registry.k8s.io/kueue/charts/kueue", version: "0.19.2" });
    expect(JOBSET_CHART).toEqual({ chart: "oci://registry.k8s.io/jobset/charts/jobset", version: "0.12.0" });
    const objects = buildQueueObjects(loadStack("shared-cluster").plan)!;
    const config = parse(objects.kueueValues.managerConfig.controllerManagerConfigYaml);
    expect(config.apiVersion).toBe("config.kueue.x-k8s.io/v1beta2");
    expect(config.integrations.frameworks).toEqual(["batch/job", "jobset.x-k8s.io/jobset"]);
    expect(config.waitForPodsReady).toEqual({
      timeout: "18m",
      recoveryTimeout: "18m",
      blockAdmission: false,
      requeuingStrategy: { timestamp: "Eviction", backoffLimitCount: 3, backoffBaseSeconds: 60, backoffMaxSeconds: 3600 },
    });
    // The chart's own ports stay as its Deployment expects them.
    expect(config.webhook).toEqual({ port: 9443 });
  });

  it("gives the ClusterQueue each pool's GPUs, CPU and memory at its maximum size", () => {
    const objects = buildQueueObjects(loadStack("shared-cluster").plan)!;
    expect(objects.clusterQueue.metadata.name).toBe(CLUSTER_QUEUE);
    const [group] = objects.clusterQueue.spec.resourceGroups;
    expect(group.coveredResources).toEqual(["cpu", "memory", "nvidia.com/gpu"]);
    const quota = Object.fromEntries(group.flavors.map((f) => [f.name, Object.fromEntries(f.resources.map((r) => [r.name, r.nominalQuota]))]));
    // t4: 4 x g4dn.xlarge (4 vCPU, 16 GiB, 1 T4); a100: 2 x p4d.24xlarge (96 vCPU, 1152 GiB, 8 A100).
    expect(quota).toEqual({
      "gtc-t4": { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "4" },
      "gtc-a100": { cpu: "192", memory: "2304Gi", "nvidia.com/gpu": "16" },
    });
  });

  it("is created by create and existing stacks, and by no reuse stack", () => {
    expect(buildQueueObjects(loadStack("shared-t4-sweep").plan)).toBeUndefined();
    for (const stack of ["t4-smoke", "a100-2x8", "rtx4090-existing", "shared-cluster"]) expect(buildQueueObjects(loadStack(stack).plan)).toBeDefined();
  });

  it.each(listStacks(PROJECT_DIR).filter((s) => loadStack(s).spec.experiment))("%s: the run is queued, and its pods fit its pool's flavor and quota", (stack) => {
    const { spec, plan, objects } = pureObjects(stack);
    const { run, jobSpec, pod, trainer } = runParts(objects);
    expect(run.metadata!.labels![QUEUE_NAME_LABEL]).toBe(plan.queueing.localQueue);
    expect(jobSpec.template.metadata!.labels!["gpu-training-clusters.io/experiment"]).toBe(spec.experiment!.name);
    const owner = spec.cluster.mode === "reuse" ? loadStack(spec.cluster.stack).plan : plan;
    const queues = buildQueueObjects(owner)!;
    const flavor = queues.resourceFlavors.find((f) => f.metadata.name === `gtc-${spec.experiment!.pool}`)!;
    expect(flavorAdmitsSelector(pod.nodeSelector, flavor.spec.nodeLabels)).toBe(true);
    for (const taint of flavor.spec.nodeTaints ?? []) expect(tolerates(pod.tolerations, taint)).toBe(true);
    const gpuQuota = queues.clusterQueue.spec.resourceGroups[0].flavors.find((f) => f.name === flavor.metadata.name)!.resources.find((r) => r.name === "nvidia.com/gpu")!;
    expect(Number(trainer.resources!.requests!["nvidia.com/gpu"]) * spec.experiment!.nodes).toBeLessThanOrEqual(Number(gpuQuota.nominalQuota));
    expect(pod.terminationGracePeriodSeconds).toBe(120);
  });
});

describe("each experiment stack's LocalQueue", () => {
  it.each(["t4-smoke", "shared-t4-sweep", "rtx4090-existing"])("%s: is in the stack's own namespace, on the cluster's ClusterQueue, with the run", (stack) => {
    const { plan, objects } = pureObjects(stack);
    const queue = objects.namespace.localQueue!;
    expect(queue.metadata).toMatchObject({ name: plan.queueing.localQueue, namespace: stack });
    expect(queue.spec.clusterQueue).toBe(CLUSTER_QUEUE);
    expect(runParts(objects).run.metadata!.namespace).toBe(stack);
  });

  it("points at the cluster's own ClusterQueue where the stack installs no Kueue", () => {
    const spec = load(
      { cluster: { mode: "existing" }, nodePools: [T4_POOL], queueing: { install: false, localQueue: "team-a", clusterQueue: "lab-gpus" }, experiment: { name: "e", pool: "t4" } },
      {},
      null,
    );
    const plan = buildPlan(spec);
    expect(buildQueueObjects(plan)).toBeUndefined();
    const objects = buildExperimentObjects(experimentInput(spec, plan, readLauncherFiles()));
    expect(objects.namespace.localQueue).toMatchObject({ metadata: { name: "team-a", namespace: "test" }, spec: { clusterQueue: "lab-gpus" } });
  });
});

describe("runs Kueue could never admit", () => {
  it("are refused before any resource, naming the field and the quota", () => {
    for (const stack of listStacks(PROJECT_DIR)) {
      const { spec, plan } = loadStack(stack);
      expect(queueFitProblems(spec, plan)).toEqual([]);
    }
    // An existing pool of unknown machines: quota from a whole-node pod; a huge /dev/shm cannot fit.
    const spec = load({ cluster: { mode: "existing" }, nodePools: [{ name: "lab", gpu: "rtx4090", gpusPerNode: 2, maxNodes: 1, driverVersion: "570.172.08" }], experiment: { name: "e", pool: "lab", shmGiB: 200 } }, {}, null);
    const problems = queueFitProblems(spec, buildPlan(spec));
    expect(problems.map((p) => p.path)).toEqual(["experiment.shmGiB"]);
    expect(problems[0].message).toContain("Kueue would never admit it");
  });
});
