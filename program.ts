/**
 * The Pulumi program: every check of the stack and the account (checks/), then the components.
 * index.ts only calls `entry`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/errors";
import { NAMESPACE } from "./config/load";
import { SECRET_ENV_KEY, secretEnvValues } from "./config/secret-env";
import type { WorkdirArchive } from "./workdir/archive";
import { readStackFileEntry, stackConfigReader, stackFilePath } from "./config/stack-file";
import type { StackSpec } from "./config/spec";
import type { Plan } from "./plan/plan";
import { CheckInput, Verdict, checkForDeploy } from "./checks";
import { ClusterTarget, existingTarget, reuseTarget } from "./components/target";
import { eksClusterServices, eksTarget, reuseSourceAccess } from "./components/aws/target";
import { NvidiaDevicePlugin } from "./components/device-plugins";
import { readLauncherFiles } from "./components/launcher-files";
import { eksClusterName } from "./components/naming";
import { TrainingExperiment } from "./components/training-experiment";
import { StackNamespace } from "./components/stack-namespace";
import { ClusterQueueing } from "./components/queueing";
import { buildQueueObjects } from "./k8s/queues";
import { CLUSTER_QUEUE } from "./k8s/cluster-queue";
import { TrainingImage } from "./components/aws/training-image";
import { builtImagePlaceholder } from "./plan/image-build";
import { awsTags } from "./components/aws/builders/cluster-args";
import { NVIDIA_DEVICE_PLUGIN_CHART } from "./catalog/versions";
import { EXPERIMENT_LABEL } from "./k8s/labels";
import { clusterNeedsNvidiaRuntimeClass, devicePluginRuntimeClass } from "./k8s/runtime-class";
import { hasEfaPools } from "./plan/pools";
import { cachedReference } from "./plan/image-cache";
import { ExperimentObjects, buildExperimentObjects, experimentInput } from "./k8s/experiment";
import { ExperimentIdentity } from "./components/aws/experiment-identity";
import { buildSweep } from "./k8s/sweep";
import { attachSweepNames } from "./plan/plan";
import { lookupAccountFacts, lookupSourceFacts } from "./components/aws/account-facts";
import type { DeployGate, FactsSource } from "./plan/deploy-gate";

/**
 * Whether Pulumi passed a config key as secret. The SDK exports `isConfigSecret` from
 * runtime/config.js (it reads the engine's list of secret keys) but leaves it out of the type
 * declarations of @pulumi/pulumi 3.270.0; undefined where a version lacks it.
 */
function configKeyIsSecret(key: string): boolean | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
  return runtime.isConfigSecret ? runtime.isConfigSecret(key) : undefined;
}

/**
 * What the checks read (checks/): this stack's config as Pulumi passes it, and the stack's own file
 * (stacks/Pulumi.<stack>.yaml: `stackConfigDir` in Pulumi.yaml) for what decrypted config hides:
 * which secretEnv entries are secure.
 */
function checkInput(projectDir = process.cwd()): CheckInput {
  const stackFile = stackFilePath(projectDir, pulumi.getStack());
  return {
    raw: pulumi.runtime.allConfig(),
    load: {
      project: pulumi.getProject(),
      stack: pulumi.getStack(),
      readStackConfig: stackConfigReader(projectDir),
      isSecret: configKeyIsSecret,
      storedValue: (key) => readStackFileEntry(stackFile, key),
    },
    projectDir,
  };
}

function clusterTarget(spec: StackSpec, plan: Plan, name: string, gate?: DeployGate): ClusterTarget | undefined {
  switch (spec.cluster.mode) {
    case "reuse":
      return reuseTarget(spec, name);
    case "existing":
      return existingTarget(spec, name);
    case "create":
      return eksTarget(spec, plan, name, gate);
  }
}

/** Cluster-wide services (device plugin, autoscaler, EFA plugin): once per cluster. */
function clusterServices(spec: StackSpec, plan: Plan, target: ClusterTarget): Record<string, unknown> {
  // The EFA device plugin comes with the AWS services: only EKS pools get EFA interfaces.
  const nvidia = new NvidiaDevicePlugin(`${spec.stack}-nvidia-device-plugin`, {
    provider: target.provider,
    runtimeClassName: devicePluginRuntimeClass(spec),
    createRuntimeClass: clusterNeedsNvidiaRuntimeClass(spec),
    efaPools: hasEfaPools(plan),
  });
  return {
    ...eksClusterServices(spec, plan, target),
    devicePlugins: { nvidia: { release: nvidia.releaseName, chart: `${NVIDIA_DEVICE_PLUGIN_CHART.chart} ${NVIDIA_DEVICE_PLUGIN_CHART.version}` } },
  };
}

/** Kueue, JobSet and the queues, where this stack installs them (create and existing clusters). */
function clusterQueueing(spec: StackSpec, plan: Plan, target: ClusterTarget): ClusterQueueing | undefined {
  const objects = buildQueueObjects(plan);
  return objects && new ClusterQueueing(`${spec.stack}-queueing`, { objects, provider: target.provider });
}

/** The experiment's in-cluster objects: launcher ConfigMap, workdir, secrets, volumes, the Job or JobSet. */
/**
 * The image the run pulls: on a managed pool of a cluster with a Docker Hub pull-through cache, the
 * catalog's docker.io image through that cache, by the same digest (plan/image-cache.ts). Hybrid
 * and existing nodes are not behind the cluster's NAT and pull as before.
 */
function pulledImage(plan: Plan, reference: string, gate?: DeployGate): string {
  const cache = gate?.decision.account?.imageCache;
  const pool = plan.pools.find((p) => p.name === plan.experiment?.pool);
  return (cache && pool?.kind === "managed" && cachedReference(reference, cache)) || reference;
}

function experimentResources(spec: StackSpec, plan: Plan, target: ClusterTarget, workdir?: WorkdirArchive, queue?: ClusterQueueing, gate?: DeployGate): Record<string, unknown> {
  const shipped = workdir ? { archiveBase64: workdir.gzip.toString("base64"), sha256: workdir.summary.sha256 } : undefined;
  const name = spec.experiment!.name;
  // A built image (plan/image-build.ts): the rules allow it only where the stack has AWS (create, reuse).
  const image = plan.experiment!.image;
  // The repository's name is the stack's (plan/image-build.ts), so the component's is too, lest a
  // renamed experiment create a second repository under the same name (ECR refuses it). The alias
  // carries over the earlier, experiment-named component and, by its name prefix, its children.
  const built = image.build
    ? new TrainingImage(
        `${spec.stack}-image`,
        { build: image.build, tags: awsTags(spec.stack, eksClusterName(spec.cluster.mode === "reuse" ? spec.cluster.stack : spec.stack)) },
        { aliases: [{ name: `${name}-image` }] },
      )
    : undefined;
  const placeholder = built ? builtImagePlaceholder({ key: image.resolved }, built.contextTag) : undefined;
  const input = experimentInput(spec, plan, readLauncherFiles(), shipped);
  const buildInput = { ...input, image: placeholder ?? pulledImage(plan, input.image, gate) };
  const objects = buildExperimentObjects(buildInput);
  const sweep = spec.experiment!.sweep && buildSweep(buildInput, spec.experiment!.sweep);
  const identity = experimentIdentity(spec, target, objects);
  const home = new StackNamespace(spec.stack, { objects: objects.namespace, provider: target.provider, queue: queue?.ready });
  const experiment = new TrainingExperiment(name, {
    sweep,
    objects,
    provider: target.provider,
    namespace: home,
    queue: queue?.ready,
    secretEnv: secretEnvInputs(),
    after: identity?.ready,
    builtImage: built && placeholder ? { placeholder, reference: built.reference } : undefined,
  });
  const namespace = (objects.job ?? objects.jobSet)!.metadata!.namespace!;
  const run = objects.runName;
  const nodes = spec.experiment!.nodes;
  return {
    job: {
      name: experiment.jobName,
      namespace: experiment.namespace,
      kind: objects.job ? "Job" : "JobSet",
      queue: `${namespace}/${plan.queueing.localQueue}`,
      logs: objects.job
        ? `kubectl logs -n ${namespace} -f job/${run}`
        : `kubectl logs -n ${namespace} -f --prefix --max-log-requests=${nodes} -l ${EXPERIMENT_LABEL}=${name}`,
      status: objects.job ? `kubectl get job -n ${namespace} ${run}` : `kubectl get jobset -n ${namespace} ${run}`,
      admission: `kubectl get workloads -n ${namespace} -l ${EXPERIMENT_LABEL}=${name}`,
    },
    ...(built ? { image: built.reference } : {}),
    ...(sweep ? { sweep: { runs: sweep.runs.map((r) => ({ name: r.runName, point: r.point.id, env: r.point.env })), ...(sweep.queue ? { localQueue: `${namespace}/${sweep.queue.localQueue.metadata.name}` } : {}) } } : {}),
  };
}

/**
 * The stack's own role for its volumes, given to its namespace's ServiceAccount (EKS clusters, and
 * only when a volume needs AWS access: the rules allow such volumes only on EKS). Named after the
 * stack, so a renamed experiment keeps it.
 */
function experimentIdentity(spec: StackSpec, target: ClusterTarget, objects: ExperimentObjects): ExperimentIdentity | undefined {
  if (objects.accessPolicies.length === 0) return undefined;
  if (!target.eksClusterName) throw new Error("unreachable: volumes that need AWS access on a cluster without EKS (the rules allow them only on EKS)");
  const cluster = eksClusterName(spec.cluster.mode === "reuse" ? spec.cluster.stack : spec.stack);
  return new ExperimentIdentity(`${spec.stack}-identity`, {
    eksClusterName: target.eksClusterName,
    region: spec.region,
    namespace: objects.namespace.namespace.metadata!.name!,
    serviceAccount: objects.namespace.serviceAccount.metadata!.name!,
    policies: objects.accessPolicies,
    tags: awsTags(spec.stack, cluster),
  });
}

/** Point id → run name of the experiment's sweep, for the plan's list of runs. */
function sweepRunNames(outputs: Record<string, unknown>): Record<string, string> {
  const sweep = outputs.sweep as { runs: { name: string; point: string }[] } | undefined;
  return Object.fromEntries((sweep?.runs ?? []).map((r) => [r.point, r.name]));
}

/** The secretEnv values from Pulumi's config, each a secret Output from the start. */
function secretEnvInputs(): Record<string, pulumi.Output<string>> {
  const raw = pulumi.runtime.allConfig()[`${NAMESPACE}:${SECRET_ENV_KEY}`];
  if (raw === undefined) return {};
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw);
  } catch {
    decoded = raw;
  }
  return Object.fromEntries(Object.entries(secretEnvValues(decoded)).map(([k, v]) => [k, pulumi.secret(v)]));
}

function withSources(gate: DeployGate): DeployGate["decision"] {
  const sources = gate.sources;
  if (!sources) return gate.decision;
  return { ...gate.decision, sourceIngress: sources.ingress, warnings: [...gate.decision.warnings, ...sources.warnings] };
}

/** The resources of a stack that passed every check (checks/): nothing here checks again. */
export function deploy(verdict: Verdict): Record<string, unknown> {
  const { spec, plan, archive } = verdict;
  const gate: DeployGate | undefined = verdict.decision && { decision: verdict.decision, sources: verdict.sources };
  const name = spec.stack;
  const target = clusterTarget(spec, plan, name, gate);
  // The summary is what the program decided, deploy-time facts included: the offline plan prints it.
  // The volume sources' findings (FSx access) are part of it: the rules the stack opens, and what it relies on.
  const summary = gate ? { ...plan, deploy: withSources(gate) } : plan;
  if (!target) return { summary };
  reuseSourceAccess(spec, gate);
  const services = target.ownsClusterServices ? clusterServices(spec, plan, target) : {};
  const queue = clusterQueueing(spec, plan, target);
  const experiment = spec.experiment ? experimentResources(spec, plan, target, archive, queue, gate) : {};
  return {
    summary: attachSweepNames(summary, sweepRunNames(experiment)),
    ...target.outputs,
    ...services,
    ...(queue ? { queueing: { clusterQueue: CLUSTER_QUEUE } } : {}),
    ...experiment,
  };
}

/**
 * What the program gets from whoever runs it, rather than from the machine: index.ts passes the
 * wall clock and the real account for `pulumi preview`/`up`; the offline plan passes its own day
 * and answers the account lookups with stand-ins (tools/mocks.ts).
 */
export interface ProgramEnv {
  /** The day the dated rules (catalog/kubernetes-versions.ts) run for. */
  readonly now: Date;
  /** Who answers the account lookups: the account itself, or the offline plan's stand-ins. */
  readonly facts: FactsSource;
}

/**
 * Every check (checks/phases.ts: the stack, its plan, its workdir, the account), one ConfigError
 * with all problems before the first resource is registered, then the resources.
 */
export async function run(env: ProgramEnv): Promise<Record<string, unknown>> {
  const verdict = await checkForDeploy(checkInput(), { env, accountFacts: lookupAccountFacts, sourceFacts: lookupSourceFacts });
  for (const w of verdict.warnings) void pulumi.log.warn(w);
  return deploy(verdict);
}

/**
 * The program as Pulumi runs it: the outputs, or a configuration problem as a RunError, which the
 * Pulumi CLI prints without a stack trace. The problems ride along so the offline plan can report
 * them as a ConfigError again.
 */
export async function entry(env: ProgramEnv): Promise<Record<string, unknown>> {
  try {
    return await run(env);
  } catch (e) {
    if (e instanceof ConfigError) throw Object.assign(new pulumi.RunError(e.message), { problems: e.problems, heading: e.heading });
    throw e;
  }
}
