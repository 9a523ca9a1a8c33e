/**
 * The Pulumi program: load and validate the stack description, plan it (the compatibility gate
 * throws here, before any resource), then wire the components. index.ts only calls `run`.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { loadStackSpec } from "./config/load";
import { readStackFile, stackFilePath } from "./config/stack-file";
import type { StackSpec } from "./config/spec";
import { Plan, buildPlan } from "./plan/plan";
import { ClusterTarget, existingTarget, reuseTarget } from "./components/target";
import { eksClusterServices, eksTarget } from "./components/aws/target";

/** Validate everything first: a config error must leave no half-created cluster behind. */
export function loadFromPulumi(projectDir = process.cwd()): { spec: StackSpec; plan: Plan } {
  const spec = loadStackSpec(pulumi.runtime.allConfig(), {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    readStackConfig: (stack) => {
      const file = stackFilePath(projectDir, stack);
      return fs.existsSync(file) ? readStackFile(file).config : undefined;
    },
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
  return {
    ...eksClusterServices(spec, plan, target),
  };
}

/** The experiment's in-cluster objects: launcher ConfigMap, volumes, Service, Job. */
function experimentResources(spec: StackSpec, plan: Plan, target: ClusterTarget): Record<string, unknown> {
  void spec;
  void plan;
  void target;
  return {};
}

export function deploy(spec: StackSpec, plan: Plan): Record<string, unknown> {
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
