/**
 * Stack-level checks of the create-mode examples a100-8gpu and a100-2x8, through the whole program.
 * The same objects are checked from their pure inputs in k8s-builders.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GPU_TAINT, gpuNodeLabels } from "../config/names";
import { nodeMatchesAffinity, nodeMatchesSelector, tolerates } from "../k8s/scheduling";
import { writePlan } from "../tools/plan-runner";
import { validateManifests } from "./helpers/experiment";
import { ofType, planStack } from "./helpers/plan";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function manifest(run: Awaited<ReturnType<typeof planStack>>, kind: string): Obj[] {
  return run.manifests.filter((m) => m.object.kind === kind).map((m) => m.object as Obj);
}

function expectValid(run: Awaited<ReturnType<typeof planStack>>) {
  expect(run.manifests.length).toBeGreaterThan(0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${run.stack}-`));
  writePlan(run, dir);
  const { status, results } = validateManifests([path.join(dir, "manifests")]);
  expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
  expect(status).toBe(0);
}

describe("a100-8gpu", () => {
  let run: Awaited<ReturnType<typeof planStack>>;
  beforeAll(async () => {
    run = await planStack("a100-8gpu");
  });

  it("installs the pinned NVIDIA device plugin, landing on the a100 pool's nodes; no EFA plugin for a single-node pool", () => {
    const releases = ofType(run, "kubernetes:helm.sh/v3:Release");
    const nvidia = releases.find((r) => r.inputs.chart === "nvidia-device-plugin")!;
    expect(nvidia.inputs).toMatchObject({ version: "0.20.0", repositoryOpts: { repo: "https://nvidia.github.io/k8s-device-plugin" } });
    const values = nvidia.inputs.values as Obj;
    expect(nodeMatchesAffinity(values.affinity, gpuNodeLabels({ name: "a100", gpu: "a100-40gb" }))).toBe(true);
    expect(tolerates(values.tolerations, GPU_TAINT)).toBe(true);
    expect(releases.map((r) => r.inputs.chart)).not.toContain("aws-efa-k8s-device-plugin");
  });

  it("submits one Job of 8 GPUs: torchrun x8, memory /dev/shm, toleration, digest-pinned image", () => {
    const [job] = manifest(run, "Job");
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    expect(c.resources.limits["nvidia.com/gpu"]).toBe("8");
    expect(c.args).toContain("--nproc_per_node=8");
    expect(pod.volumes).toContainEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "64Gi" } });
    expect(tolerates(pod.tolerations, GPU_TAINT)).toBe(true);
    expect(nodeMatchesSelector(pod.nodeSelector, gpuNodeLabels({ name: "a100", gpu: "a100-40gb" }))).toBe(true);
    expect(c.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(job.metadata.annotations["pulumi.com/waitFor"]).toBe("jsonpath={.metadata.name}");
    expect(job.metadata.annotations["pulumi.com/skipAwait"]).toBeUndefined();
  });

  it("mounts the S3 dataset read-only and the FSx output writable, and grants the stack's own role the dataset prefix", () => {
    const c = manifest(run, "Job")[0].spec.template.spec.containers[0];
    expect(c.volumeMounts).toContainEqual({ name: "dataset-imagenet", mountPath: "/data/imagenet", readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: "output-outputs", mountPath: "/outputs", readOnly: false });
    const pvs = manifest(run, "PersistentVolume");
    expect(pvs.map((p) => p.spec.csi.driver).sort()).toEqual(["fsx.csi.aws.com", "s3.csi.aws.com"]);
    const policy = ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name === "a100-8gpu-identity-s3");
    expect(policy).toHaveLength(1);
    expect(String(policy[0].inputs.role)).not.toBe("");
    expect(String(policy[0].inputs.policy)).toContain("arn:aws:s3:::example-training-datasets/imagenet/*");
  });

  it("writes only manifests valid against the upstream schemas", () => expectValid(run));
});

describe("a100-2x8", () => {
  let run: Awaited<ReturnType<typeof planStack>>;
  beforeAll(async () => {
    run = await planStack("a100-2x8");
  });

  it("submits a JobSet of 2 pods in the stack's LocalQueue, with JobSet's DNS names and a restart limit", () => {
    expect(manifest(run, "Job")).toEqual([]);
    expect(manifest(run, "Service")).toEqual([]);
    const [jobSet] = manifest(run, "JobSet");
    expect(jobSet.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("training");
    expect(manifest(run, "LocalQueue").map((q) => q.metadata.name)).toEqual(["training"]);
    expect(jobSet.spec.network).toEqual({ enableDNSHostnames: true, publishNotReadyAddresses: true });
    expect(jobSet.spec.failurePolicy.maxRestarts).toBeGreaterThanOrEqual(1);
    const job = jobSet.spec.replicatedJobs[0].template;
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 2, parallelism: 2 });
    const args = job.spec.template.spec.containers[0].args;
    expect(args).toContain("--node_rank=$(JOB_COMPLETION_INDEX)");
    expect(args).toContain("--nproc_per_node=8");
    expect(args).toContain(`--master_addr=${jobSet.metadata.name}-node-0-0.${jobSet.metadata.name}`);
  });

  it("asks for the p4d's 4 EFA interfaces and sets the EFA provider", () => {
    const c = manifest(run, "JobSet")[0].spec.replicatedJobs[0].template.spec.template.spec.containers[0];
    expect(c.resources.limits["vpc.amazonaws.com/efa"]).toBe("4");
    expect(c.env).toContainEqual({ name: "FI_PROVIDER", value: "efa" });
    expect(c.env).toContainEqual({ name: "FI_EFA_USE_DEVICE_RDMA", value: "1" });
  });

  it("writes only manifests valid against the upstream schemas", () => expectValid(run));
});
