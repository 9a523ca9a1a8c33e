/**
 * The experiment objects of a stack file built purely (no Pulumi runtime), and the offline schema
 * validator run as a child process (kubernetes-models is ESM-only; jest runs CommonJS).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import type { StackSpec } from "../../config/spec";
import { loadStackFile, resolveStackArg } from "../../config/stack-file";
import { readLauncherFiles } from "../../components/launcher-files";
import { ExperimentObjects, buildExperimentObjects, experimentInput } from "../../k8s/experiment";
import { Plan, buildPlan } from "../../plan/plan";
import { PROJECT_DIR } from "./plan";
import { packExperimentWorkdir } from "../../workdir/archive";

export const FIXTURE_STACKS = path.join(PROJECT_DIR, "tests", "fixtures", "stacks");
export const VALIDATOR = path.join(PROJECT_DIR, "tests", "schema", "validate.mjs");

export function stackFile(stack: string): string {
  return resolveStackArg(PROJECT_DIR, stack).file;
}

export function loadStack(stack: string): { spec: StackSpec; plan: Plan } {
  const { spec } = loadStackFile(PROJECT_DIR, stackFile(stack));
  return { spec, plan: buildPlan(spec) };
}

export function pureObjects(stack: string): { spec: StackSpec; plan: Plan; objects: ExperimentObjects } {
  const { spec, plan } = loadStack(stack);
  // The workdir is packed as the program packs it, so stacks that ship one build too.
  const archive = packExperimentWorkdir(spec.experiment, PROJECT_DIR).archive;
  const shipped = archive && { archiveBase64: archive.gzip.toString("base64"), sha256: archive.summary.sha256 };
  return { spec, plan, objects: buildExperimentObjects(experimentInput(spec, plan, readLauncherFiles(), shipped)) };
}

/** Every Kubernetes object of an ExperimentObjects, in apply order. */
export function kubernetesObjects(objects: ExperimentObjects): Record<string, unknown>[] {
  const ns = objects.namespace;
  return [
    ns.namespace,
    ...(ns.serviceAccount ? [ns.serviceAccount] : []),
    ns.ingressPolicy,
    ...(ns.egressPolicy ? [ns.egressPolicy] : []),
    ...objects.persistentVolumes,
    objects.configMap,
    ...(objects.workdirConfigMap ? [objects.workdirConfigMap] : []),
    ...(objects.secretEnv ? [objects.secretEnv] : []),
    ...objects.persistentVolumeClaims,
    ...(objects.namespace.gpuHealthAccess ? Object.values(objects.namespace.gpuHealthAccess) : []),
    ...(objects.job ? [objects.job] : []),
    ...(objects.jobSet ? [objects.jobSet] : []),
  ] as unknown as Record<string, unknown>[];
}

export interface ValidationResult {
  readonly file: string;
  readonly index: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly errors: readonly string[];
}

export function validateManifests(paths: readonly string[]): { status: number | null; results: ValidationResult[] } {
  const run = spawnSync(process.execPath, [VALIDATOR, ...paths], { encoding: "utf8", cwd: PROJECT_DIR });
  if (run.error) throw run.error;
  if (!run.stdout) throw new Error(`validator printed nothing (status ${run.status}): ${run.stderr}`);
  return { status: run.status, results: JSON.parse(run.stdout) as ValidationResult[] };
}

/** The run's object (Job or JobSet), the Job spec its pods come from, and that pod template. */
export function runParts(objects: ExperimentObjects) {
  const run = (objects.job ?? objects.jobSet)!;
  const jobSpec = objects.job ? objects.job.spec! : objects.jobSet!.spec.replicatedJobs[0].template.spec;
  return { run, jobSpec, pod: jobSpec.template.spec!, trainer: jobSpec.template.spec!.containers[0] };
}
