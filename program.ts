/**
 * The Pulumi program: load and validate the stack description, plan it (the compatibility gate
 * throws here, before any resource), then wire the components. index.ts only calls `run`.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/errors";
import { loadStackSpec } from "./config/load";
import { stackConfigReader } from "./config/stack-file";
import type { StackSpec } from "./config/spec";
import { Plan, buildPlan } from "./plan/plan";
import { ClusterTarget, existingTarget, reuseTarget } from "./components/target";
import { eksClusterServices, eksTarget } from "./components/aws/target";
import { NvidiaDevicePlugin } from "./components/device-plugins";
import { readLauncherFiles } from "./components/launcher-files";
import { eksClusterName } from "./components/naming";
import { TrainingExperiment } from "./components/training-experiment";
import { TrainingImage } from "./components/aws/training-image";
import { awsTags } from "./components/aws/builders/cluster-args";
import { NVIDIA_DEVICE_PLUGIN_CHART } from "./k8s/device-plugin";
import { buildExperimentObjects, experimentInput, experimentObjectProblems } from "./k8s/experiment";
import { clusterNeedsNvidiaRuntimeClass, devicePluginRuntimeClass } from "./k8s/runtime-class";

/** Validate everything first: a config error must leave no half-created cluster behind. */
export function loadFromPulumi(projectDir = process.cwd()): { spec: StackSpec; plan: Plan } {
  const spec = loadStackSpec(pulumi.runtime.allConfig(), {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    readStackConfig: stackConfigReader(projectDir),
  });
  return { spec, plan: buildPlan(spec) };
}

function clusterTarget(spec: StackSpec, plan: Plan, name: string): ClusterTarget | undefined {
  switch (spec.cluster.mode) {
    case "reuse":
      return reuseTarget(spec, name);
    case "existing":
      return existingTarget(spec, name);
    case "create":
      return eksTarget(spec, plan, name);
  }
}

/** Cluster-wide services (device plugin, autoscaler, EFA plugin): once per cluster. */
function clusterServices(spec: StackSpec, plan: Plan, target: ClusterTarget): Record<string, unknown> {
  // The EFA device plugin comes with the AWS services: only EKS pools get EFA interfaces.
  const nvidia = new NvidiaDevicePlugin(`${spec.stack}-nvidia-device-plugin`, {
    provider: target.provider,
    runtimeClassName: devicePluginRuntimeClass(spec),
    createRuntimeClass: clusterNeedsNvidiaRuntimeClass(spec),
  });
  return {
    ...eksClusterServices(spec, plan, target),
    devicePlugins: { nvidia: { release: nvidia.releaseName, chart: `${NVIDIA_DEVICE_PLUGIN_CHART.chart} ${NVIDIA_DEVICE_PLUGIN_CHART.version}` } },
  };
}

/** The experiment's in-cluster objects: launcher ConfigMap, volumes, Service, Job. */
function experimentResources(spec: StackSpec, plan: Plan, target: ClusterTarget): Record<string, unknown> {
  const objects = buildExperimentObjects(experimentInput(spec, plan, readLauncherFiles()));
  const name = spec.experiment!.name;
  // A built image (plan/image-build.ts): the rules allow it only where the stack has AWS (create, reuse).
  const image = plan.experiment!.image;
  const built = image.build ? new TrainingImage(`${name}-image`, { build: image.build, tags: awsTags(spec.stack, eksClusterName(spec.cluster.mode === "reuse" ? spec.cluster.stack : spec.stack)) }) : undefined;
  const experiment = new TrainingExperiment(name, {
    objects,
    provider: target.provider,
    s3CsiRoleName: target.s3CsiRoleName,
    s3PolicyName: `${eksClusterName(spec.stack)}-experiment-s3`,
    builtImage: built ? { placeholder: image.reference, reference: built.reference } : undefined,
  });
  const namespace = objects.job.metadata!.namespace!;
  return {
    job: {
      name: experiment.jobName,
      namespace: experiment.namespace,
      logs: `kubectl logs -n ${namespace} -f job/${name}`,
      status: `kubectl get job -n ${namespace} ${name}`,
    },
    ...(built ? { image: built.reference } : {}),
  };
}

export function deploy(spec: StackSpec, plan: Plan): Record<string, unknown> {
  // Checks that need the plan (the chosen instance's memory) run before the first resource too.
  const problems = experimentObjectProblems(spec, plan);
  if (problems.length > 0) throw new ConfigError(problems, `stack "${spec.stack}" has an invalid configuration`);
  const name = spec.stack;
  const target = clusterTarget(spec, plan, name);
  if (!target) return { summary: plan };
  const services = target.ownsClusterServices ? clusterServices(spec, plan, target) : {};
  const experiment = spec.experiment ? experimentResources(spec, plan, target) : {};
  return {
    summary: plan,
    ...target.outputs,
    ...services,
    ...experiment,
  };
}

export function run(): Record<string, unknown> {
  const { spec, plan } = loadFromPulumi();
  return deploy(spec, plan);
}
