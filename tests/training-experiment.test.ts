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

async function build(stack: string, s3CsiRoleName?: string) {
  const { objects } = pureObjects(stack);
  const seen: Seen[] = [];
  const record: pulumi.ResourceTransformation = (a) => {
    seen.push({ type: a.type, name: a.name, opts: a.opts as Seen["opts"] });
    return undefined;
  };
  const provider = new k8s.Provider(`${objects.runName}-provider`, {});
  const driverRoles: Record<string, string> = s3CsiRoleName ? { s3: s3CsiRoleName } : {};
  const experiment = new TrainingExperiment(objects.configMap.metadata!.labels!["gpu-training-clusters.io/experiment"], { objects, provider, driverRoles, policyNamePrefix: "gtc-unit-experiment" }, { transformations: [record] });
  await settle(experiment.jobName);
  const names = new Set(seen.map((s) => s.name));
  return { objects, seen, recorded: mocks.resources.filter((r) => names.has(r.name)) };
}

describe("TrainingExperiment", () => {
  it("creates the launcher, PVs, claims and JobSet as children named after it, and the S3 policy after the stack", async () => {
    const { seen } = await build(path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"), "gtc-shared-cluster-s3-csi");
    const children = seen.filter((s) => s.name !== "llm-reuse-2x8").map((s) => `${s.type} ${s.name}`);
    expect(children).toEqual([
      "kubernetes:core/v1:ConfigMap llm-reuse-2x8-launcher",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy llm-reuse-2x8-isolation",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy llm-reuse-2x8-gpu-health",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding llm-reuse-2x8-gpu-health",
      "kubernetes:core/v1:ServiceAccount llm-reuse-2x8-trainer",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole llm-reuse-2x8-gpu-health",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding llm-reuse-2x8-gpu-health",
      "kubernetes:core/v1:PersistentVolume llm-reuse-2x8-pv-tokens",
      "kubernetes:core/v1:PersistentVolume llm-reuse-2x8-pv-eval",
      "kubernetes:core/v1:PersistentVolume llm-reuse-2x8-pv-checkpoints",
      "kubernetes:core/v1:PersistentVolumeClaim llm-reuse-2x8-pvc-tokens",
      "kubernetes:core/v1:PersistentVolumeClaim llm-reuse-2x8-pvc-eval",
      "kubernetes:core/v1:PersistentVolumeClaim llm-reuse-2x8-pvc-checkpoints",
      "aws:iam/rolePolicy:RolePolicy gtc-unit-experiment-s3",
      "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet llm-reuse-2x8-jobset",
    ]);
    expect(seen[0]).toMatchObject({ type: "gpu-training-clusters:k8s:TrainingExperiment", name: "llm-reuse-2x8" });
  });

  it("keeps every PV and claim when the stack is destroyed", async () => {
    const { seen } = await build(path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"), "gtc-shared-cluster-s3-csi");
    const storage = seen.filter((s) => /PersistentVolume(Claim)?$/.test(s.type));
    expect(storage).toHaveLength(6);
    for (const s of storage) expect(s.opts.retainOnDelete).toBe(true);
    for (const s of seen.filter((x) => !/PersistentVolume(Claim)?$/.test(x.type))) expect(s.opts.retainOnDelete).toBeFalsy();
  });

  it("replaces the run, deleting it first, on any spec change, and creates it after what it mounts", async () => {
    const { seen } = await build(path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"), "gtc-shared-cluster-s3-csi");
    const job = seen.find((s) => s.type === "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet")!;
    expect(job.opts.replaceOnChanges).toEqual(["spec"]);
    expect(job.opts.deleteBeforeReplace).toBe(true);
    const deps = (job.opts.dependsOn as pulumi.Resource[]).length;
    // launcher + isolation policy + the GPU health check's 5 objects + 3 PVs + 3 claims + S3 policy
    // (no queue: the cluster's stack owns it)
    expect(deps).toBe(14);
  });

  it("attaches the S3 policy to the CSI driver's role, with exactly the experiment's prefixes", async () => {
    const { recorded, objects } = await build(path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"), "gtc-shared-cluster-s3-csi");
    const policy = recorded.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!;
    expect(policy.inputs.role).toBe("gtc-shared-cluster-s3-csi");
    expect(policy.inputs.name).toBe("gtc-unit-experiment-s3");
    expect(JSON.parse(String(policy.inputs.policy))).toEqual(objects.accessPolicies[0].document);
  });

  it("registers the builders' objects unchanged as resource inputs", async () => {
    const { recorded, objects } = await build("rtx4090-existing");
    const job = recorded.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    expect(job.inputs.spec).toEqual(JSON.parse(JSON.stringify(objects.job!.spec)));
    expect(job.inputs.metadata).toEqual(objects.job!.metadata);
    // Existing claim and host paths: nothing to create besides the launcher, its isolation, the GPU
    // health check's account and fence, and the Job.
    expect(recorded.map((r) => r.type).sort()).toEqual([
      "gpu-training-clusters:k8s:TrainingExperiment",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
      "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
      "kubernetes:batch/v1:Job",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    ]);
  });

  it("refuses S3 volumes without the CSI driver's role", () => {
    const { objects } = pureObjects("a100-8gpu");
    const provider = new k8s.Provider("no-role-provider", {});
    expect(() => new TrainingExperiment("no-role", { objects, provider, driverRoles: {}, policyNamePrefix: "x" })).toThrow("s3 volumes on a cluster without that driver's role");
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
