/**
 * The components under the SDK's mocks, fed the pure objects of a stack. A transformation on the
 * component records each child's resource options, which the mocks never see: retainOnDelete on
 * storage, the Job's replace semantics, and what the Job waits for.
 */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NvidiaDevicePlugin } from "../components/device-plugins";
import { TrainingExperiment } from "../components/training-experiment";
import { StackNamespace } from "../components/stack-namespace";
import { createMocks, PlanMocks } from "../tools/mocks";
import { FIXTURE_STACKS, pureObjects } from "./helpers/experiment";

interface Seen {
  readonly type: string;
  readonly name: string;
  readonly opts: pulumi.ResourceOptions & { retainOnDelete?: boolean; deleteBeforeReplace?: boolean };
}

let mocks: PlanMocks;

beforeAll(async () => {
  mocks = createMocks({ region: "us-east-1" });
  await pulumi.runtime.setMocks(mocks, "gpu-training-clusters", "unit", false);
});

function settle<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

async function build(stack: string) {
  const { objects } = pureObjects(stack);
  const seen: Seen[] = [];
  const record: pulumi.ResourceTransformation = (a) => {
    seen.push({ type: a.type, name: a.name, opts: a.opts as Seen["opts"] });
    return undefined;
  };
  const provider = new k8s.Provider(`${objects.runName}-provider`, {});
  const namespace = new StackNamespace(objects.namespace.namespace.metadata!.name!, { objects: objects.namespace, provider }, { transformations: [record] });
  const experiment = new TrainingExperiment(objects.configMap.metadata!.labels!["gpu-training-clusters.io/experiment"], { objects, provider, namespace }, { transformations: [record] });
  await settle(experiment.jobName);
  const names = new Set(seen.map((s) => s.name));
  return { objects, seen, recorded: mocks.resources.filter((r) => names.has(r.name)) };
}

const REUSE = path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml");

describe("TrainingExperiment", () => {
  it("creates the namespace and what it holds first, then the launcher, PVs, claims and JobSet, as children named after it", async () => {
    const { seen } = await build(REUSE);
    const children = seen.filter((s) => !["llm-reuse-2x8", "reuse-a100-2x8"].includes(s.name)).map((s) => `${s.type} ${s.name}`);
    // The namespace's are named after the stack (a renamed experiment keeps them), the rest after the experiment.
    expect(children).toEqual([
      "kubernetes:core/v1:Namespace reuse-a100-2x8-namespace",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy reuse-a100-2x8-ingress",
      "kubernetes:core/v1:ServiceAccount reuse-a100-2x8-service-account",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding reuse-a100-2x8-users-kueue-batch",
      // The GPU health check's right is given to the namespace's account, which the pods run as: the stack's.
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy reuse-a100-2x8-gpu-health",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding reuse-a100-2x8-gpu-health",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole reuse-a100-2x8-gpu-health",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding reuse-a100-2x8-gpu-health",
      "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue reuse-a100-2x8-local-queue",
      "kubernetes:core/v1:ConfigMap llm-reuse-2x8-launcher",
      "kubernetes:core/v1:PersistentVolume llm-reuse-2x8-pv-tokens",
      "kubernetes:core/v1:PersistentVolume llm-reuse-2x8-pv-eval",
      "kubernetes:core/v1:PersistentVolume llm-reuse-2x8-pv-checkpoints",
      "kubernetes:core/v1:PersistentVolumeClaim llm-reuse-2x8-pvc-tokens",
      "kubernetes:core/v1:PersistentVolumeClaim llm-reuse-2x8-pvc-eval",
      "kubernetes:core/v1:PersistentVolumeClaim llm-reuse-2x8-pvc-checkpoints",
      "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet llm-reuse-2x8-jobset",
    ]);
    expect(seen.map((s) => `${s.type} ${s.name}`)).toEqual(
      expect.arrayContaining(["gpu-training-clusters:k8s:StackNamespace reuse-a100-2x8", "gpu-training-clusters:k8s:TrainingExperiment llm-reuse-2x8"]),
    );
  });

  it("keeps the namespace, every PV and claim when the stack is destroyed", async () => {
    const { seen } = await build(REUSE);
    const kept = seen.filter((s) => ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:PersistentVolume", "kubernetes:core/v1:PersistentVolumeClaim"].includes(s.type));
    expect(kept).toHaveLength(7);
    for (const s of kept) expect(s.opts.retainOnDelete).toBe(true);
    for (const s of seen.filter((x) => !kept.includes(x))) expect(s.opts.retainOnDelete).toBeFalsy();
  });

  it("replaces the run, deleting it first, on any spec change, and creates it after what it mounts and its namespace's policies", async () => {
    const { seen } = await build(REUSE);
    const job = seen.find((s) => s.type === "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet")!;
    expect(job.opts.replaceOnChanges).toEqual(["spec"]);
    expect(job.opts.deleteBeforeReplace).toBe(true);
    const deps = (job.opts.dependsOn as pulumi.Resource[]).length;
    // launcher + ingress policy + users' RoleBinding + LocalQueue + the GPU health check's 5 + 3 PVs + 3 claims
    expect(deps).toBe(15);
    // Everything namespaced waits for the namespace.
    for (const s of seen.filter((x) => /ConfigMap|PersistentVolumeClaim|ServiceAccount|NetworkPolicy|LocalQueue/.test(x.type))) expect((s.opts.dependsOn as pulumi.Resource[]).length).toBeGreaterThan(0);
  });

  it("registers the builders' objects unchanged as resource inputs", async () => {
    const { recorded, objects } = await build("rtx4090-existing");
    const job = recorded.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    expect(job.inputs.spec).toEqual(JSON.parse(JSON.stringify(objects.job!.spec)));
    expect(job.inputs.metadata).toEqual(objects.job!.metadata);
    // Existing claim and host paths: nothing to create besides the namespace and what it holds, the launcher and the Job.
    expect(recorded.map((r) => r.type).sort()).toEqual([
      "gpu-training-clusters:k8s:StackNamespace",
      "gpu-training-clusters:k8s:TrainingExperiment",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
      "kubernetes:batch/v1:Job",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
  });
});

describe("NvidiaDevicePlugin", () => {
  it("installs the pinned chart as one Helm release, a child of the component", async () => {
    const provider = new k8s.Provider("plugin-provider", {});
    const plugin = new NvidiaDevicePlugin("unit-nvidia-device-plugin", { provider });
    expect(await settle(plugin.releaseName)).toBe("nvidia-device-plugin");
    const release = mocks.resources.find((r) => r.name === "unit-nvidia-device-plugin-release")!;
    expect(release.type).toBe("kubernetes:helm.sh/v3:Release");
    expect(release.inputs).toMatchObject({
      chart: "nvidia-device-plugin",
      version: "0.20.0",
      namespace: "kube-system",
      repositoryOpts: { repo: "https://nvidia.github.io/k8s-device-plugin" },
    });
  });
});
