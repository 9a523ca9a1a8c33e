/**
 * The device plugin and the experiment through the whole program (offline plan) for the stacks
 * that have a cluster target today, every manifest validated against the upstream Kubernetes
 * schemas, and the checks that stop a stack before any resource exists.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { readLauncherFiles } from "../components/launcher-files";
import { planStack as planOf } from "../plan/plan";
import { writePlan } from "../tools/plan-runner";
import { FIXTURE_STACKS, kubernetesObjects, loadStack, pureObjects, validateManifests } from "./helpers/experiment";
import { load, problemsOf, T4_POOL } from "./helpers/config";
import { PROJECT_DIR, ofType, planStack } from "./helpers/plan";

const FIXTURE = path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml");
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACED = new Set(["ConfigMap", "Job", "JobSet", "LocalQueue", "NetworkPolicy", "PersistentVolumeClaim", "Secret", "ServiceAccount", "RoleBinding"]);

describe("the device plugin through the program", () => {
  it("is installed, pinned, by an existing-cluster stack that owns cluster services", async () => {
    const run = await planStack("rtx4090-existing");
    const releases = ofType(run, RELEASE);
    expect(releases.map((r) => r.name)).toEqual(["rtx4090-existing-queueing-jobset", "rtx4090-existing-nvidia-device-plugin-release", "rtx4090-existing-queueing-kueue"]);
    expect(releases[1].inputs).toMatchObject({ chart: "nvidia-device-plugin", version: "0.20.0", namespace: "kube-system" });
    expect(JSON.stringify(releases[1].inputs.values)).toContain('"key":"nvidia.com/gpu.present"');
    expect(run.json.outputs.devicePlugins).toEqual({ nvidia: { release: "nvidia-device-plugin", chart: "nvidia-device-plugin 0.20.0" } });
  });

  it("is left to the cluster's own stack by a stack that reuses a cluster", async () => {
    const run = await planStack("shared-t4-sweep");
    expect(ofType(run, RELEASE)).toEqual([]);
    expect(run.json.outputs.devicePlugins).toBeUndefined();
  });
});

describe("experiments through the program", () => {
  it("submits the rtx4090-existing Job without waiting for it and says how to follow it", async () => {
    const run = await planStack("rtx4090-existing");
    const job = run.manifests.find((m) => m.object.kind === "Job")!.object as { metadata: { annotations: Record<string, string> } };
    expect(job.metadata.annotations["pulumi.com/waitFor"]).toBe("jsonpath={.metadata.name}");
    expect(job.metadata.annotations["pulumi.com/skipAwait"]).toBeUndefined();
    const name = (job.metadata as unknown as { name: string }).name;
    expect(name).toMatch(/^bert-rtx4090x4-[0-9a-f]{6}$/);
    expect(run.json.outputs.job).toEqual({
      name,
      namespace: "rtx4090-existing",
      kind: "Job",
      queue: "rtx4090-existing/training",
      logs: `kubectl logs -n rtx4090-existing -f job/${name}`,
      status: `kubectl get job -n rtx4090-existing ${name}`,
      admission: "kubectl get workloads -n rtx4090-existing -l gpu-training-clusters.io/experiment=bert-rtx4090x4",
    });
  });

  it("carries the launcher files from images/launcher/ in the ConfigMap, byte for byte", async () => {
    const run = await planStack("shared-t4-sweep");
    const cm = run.manifests.find((m) => m.object.kind === "ConfigMap")!.object as { data: Record<string, string> };
    expect(cm.data).toEqual(readLauncherFiles());
    expect(Object.keys(cm.data)).toEqual(expect.arrayContaining(["launch.py", "preflight.py", "smoke.py", "catalog.json"]));
  });

  it("plans the multi-node fixture as a JobSet in its own namespace and queue, with PVs, claims and its own S3 role", async () => {
    const run = await planStack(FIXTURE);
    const jobSet = run.manifests.find((m) => m.object.kind === "JobSet")!;
    const files = run.manifests.map((m) => m.file.replace(/^\d+-/, "").replace(/-[0-9a-f]{6}\.yaml$/, "-<hash>.yaml"));
    expect(files.sort()).toEqual(
      [
        "namespace-reuse-a100-2x8.yaml",
        "persistentvolume-reuse-a100-2x8-llm-reuse-2x8-tokens.yaml",
        "persistentvolume-reuse-a100-2x8-llm-reuse-2x8-eval.yaml",
        "persistentvolume-reuse-a100-2x8-llm-reuse-2x8-checkpoints.yaml",
        "networkpolicy-reuse-a100-2x8_ingress-from-own-namespace.yaml",
        "configmap-reuse-a100-2x8_llm-reuse-2x8-launcher.yaml",
        "persistentvolumeclaim-reuse-a100-2x8_llm-reuse-2x8-tokens.yaml",
        "persistentvolumeclaim-reuse-a100-2x8_llm-reuse-2x8-eval.yaml",
        "persistentvolumeclaim-reuse-a100-2x8_llm-reuse-2x8-checkpoints.yaml",
        "localqueue-reuse-a100-2x8_training.yaml",
        // The namespace's cluster.users may use Kueue and JobSet there (k8s/namespace.ts usersGroup).
        "rolebinding-reuse-a100-2x8_users-kueue-batch.yaml",
        "jobset-reuse-a100-2x8_llm-reuse-2x8-<hash>.yaml",
        // The namespace's account, which the pods run as, and its one right (k8s/gpu-health.ts).
        "serviceaccount-reuse-a100-2x8_training.yaml",
        "clusterrole-gpu-training-clusters-gpu-health-reuse-a100-2x8.yaml",
        "clusterrolebinding-gpu-training-clusters-gpu-health-reuse-a100-2x8.yaml",
        "validatingadmissionpolicy-gpu-training-clusters-gpu-health-reuse-a100-2x8.yaml",
        "validatingadmissionpolicybinding-gpu-training-clusters-gpu-health-reuse-a100-2x8.yaml",
      ].sort(),
    );
    expect(run.manifests[0].object.kind).toBe("Namespace");
    expect((jobSet.object.metadata as { labels: Record<string, string> }).labels["kueue.x-k8s.io/queue-name"]).toBe("training");
    // Kueue and the ClusterQueue belong to the cluster's stack: this stack installs nothing.
    expect(ofType(run, RELEASE)).toEqual([]);
    // Its S3 access is its own role's, given to its namespace's ServiceAccount; no policy on a shared role.
    const policy = ofType(run, "aws:iam/rolePolicy:RolePolicy");
    expect(policy).toHaveLength(1);
    const role = ofType(run, "aws:iam/role:Role");
    expect(role).toHaveLength(1);
    expect(JSON.parse(String(role[0].inputs.assumeRolePolicy)).Statement[0]).toMatchObject({ Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });
    const association = ofType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(association.map((a) => a.inputs)).toEqual([expect.objectContaining({ clusterName: "gtc-a100-2x8", namespace: "reuse-a100-2x8", serviceAccount: "training" })]);
  });

  it("stops a stack whose /dev/shm would starve the training processes, before any resource", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "big-shm-"));
    const file = path.join(dir, "Pulumi.big-shm.yaml");
    const config = {
      "gpu-training-clusters:cluster": { mode: "reuse", stack: "shared-cluster" },
      "gpu-training-clusters:experiment": { name: "big-shm", pool: "t4", shmGiB: 8 },
    };
    fs.writeFileSync(file, stringify({ config }));
    await expect(planStack(file)).rejects.toThrow("experiment.shmGiB: 8 GiB of /dev/shm is more than half of the 13.2 GiB the pod gets on g4dn.xlarge");
    const { spec } = loadStack("t4-smoke");
    expect(planOf(spec).problems).toEqual([]);
  });
});

describe("every manifest", () => {
  // my-first-run and the secrets fixture add the workdir ConfigMap and the secretEnv Secret.
  const stacks = ["rtx4090-existing", "shared-t4-sweep", FIXTURE, "my-first-run", path.join(PROJECT_DIR, "tests", "fixtures", "Pulumi.first-run-secrets.yaml")];
  let dir: string;
  let files: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-"));
    for (const stack of stacks) {
      const run = await planStack(stack);
      writePlan(run, path.join(dir, run.stack));
    }
    // The create-mode examples' experiment objects, from their pure inputs (tests/job-stacks.test.ts
    // runs them through the program).
    for (const stack of ["a100-8gpu", "a100-2x8", "t4-smoke", "rtx4090-hybrid"]) {
      const out = path.join(dir, `${stack}.pure`, "manifests");
      fs.mkdirSync(out, { recursive: true });
      kubernetesObjects(pureObjects(stack).objects).forEach((o, i) => fs.writeFileSync(path.join(out, `${i}.yaml`), stringify(o)));
    }
    files = fs.readdirSync(dir).flatMap((d) => fs.readdirSync(path.join(dir, d, "manifests")).map((f) => path.join(dir, d, "manifests", f)));
  });

  it("has an explicit name, and a namespace where the kind is namespaced", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    const { results } = validateManifests(files);
    for (const r of results) {
      expect(r.name).toBeTruthy();
      const text = fs.readFileSync(r.file, "utf8");
      // Every namespaced object in its stack's own namespace, never `default`.
      if (NAMESPACED.has(r.kind!)) expect(text).toMatch(/^ {2}namespace: (?!default$)[a-z0-9-]+$/m);
      else expect(text).not.toMatch(/^ {2}namespace:/m);
    }
  });

  it("is valid against the upstream Kubernetes schemas, with no unknown field", () => {
    const { status, results } = validateManifests(files);
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    expect(status).toBe(0);
    expect(new Set(results.map((r) => r.kind))).toEqual(
      new Set(["ConfigMap", "Job", "JobSet", "Namespace", "NetworkPolicy", "PersistentVolume", "PersistentVolumeClaim", "ResourceFlavor", "ClusterQueue", "LocalQueue", "Secret",
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "RoleBinding"]),
    );
  });

  it("would be rejected if broken: wrong types, bad enums, bad quantities and unknown fields are caught", () => {
    const job = pureObjects("a100-8gpu").objects.job as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    const broken = JSON.parse(JSON.stringify(job));
    broken.spec.completions = "2";
    broken.spec.podFailurePolicy.rules[0].action = "Retry";
    broken.spec.template.spec.containers[0].resources.limits.memory = "12 GB";
    broken.spec.template.spec.containers[0].volumeMount = [];
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "broken-")), "job.yaml");
    fs.writeFileSync(file, stringify(broken));
    const { status, results } = validateManifests([file]);
    expect(status).toBe(1);
    const errors = results[0].errors.join("\n");
    expect(errors).toContain("data/spec/completions must be integer");
    expect(errors).toContain("data/spec/podFailurePolicy/rules/0/action must be equal to one of the allowed values");
    expect(errors).toContain("data/spec/template/spec/containers/0/resources/limits/memory must match format \"quantity\"");
    expect(errors).toContain("spec.template.spec.containers[0].volumeMount: unknown field of V1Container");
  });
});

describe("experiment rules the Job relies on", () => {
  it("reject torchrun's reserved variables in the experiment's env", () => {
    const problems = problemsOf(() => load({ nodePools: [T4_POOL], experiment: { name: "e", pool: "t4", env: { MASTER_ADDR: "x", PET_NNODES: "2", OK_VAR: "1" } } }));
    expect(problems.filter((p) => p.startsWith("experiment.env.MASTER_ADDR: is set by torch.distributed.run"))).toHaveLength(1);
    expect(problems.filter((p) => p.startsWith("experiment.env.PET_NNODES: is set by torch.distributed.run"))).toHaveLength(1);
    expect(problems.some((p) => p.includes("OK_VAR"))).toBe(false);
  });

  it("reject two volumes of the same FSx file system (the kubelet would mount only one)", () => {
    const fsx = { type: "fsx", fileSystemId: "fs-0123456789abcdef0", dnsName: "fs.example", mountName: "abc" };
    const problems = problemsOf(() =>
      load({
        nodePools: [T4_POOL],
        experiment: { name: "e", pool: "t4", datasets: [{ name: "a", mountPath: "/a", source: fsx }], output: { name: "b", mountPath: "/b", source: fsx } },
      }),
    );
    expect(problems).toEqual([
      'experiment.output.source.fileSystemId: mounts the same FSx file system as another volume (got "fs-0123456789abcdef0"; mount it once, at a common parent path)',
    ]);
  });
});
