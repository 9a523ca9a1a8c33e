/**
 * The pure builders on the example stacks' own inputs (stack file → spec → plan → objects), with
 * no Pulumi runtime: this covers a100-8gpu and a100-2x8 even before their cluster target exists.
 */
import * as path from "path";
import { listStacks } from "../config/stack-file";
import { DEVICE_PLUGIN_NAMESPACE, devicePluginValues } from "../k8s/device-plugin";
import { NVIDIA_DEVICE_PLUGIN_CHART } from "../catalog/versions";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { masterHost } from "../k8s/job";
import { buildLaunch } from "../k8s/launch";
import { rendezvousTimeoutSeconds } from "../plan/queueing";
import { EXPERIMENT_LABEL, labelValue } from "../k8s/labels";
import { GPU_PRESENT_LABEL, GPU_TAINT, experimentNames, gpuNodeLabels } from "../config/names";
import { nodeMatchesAffinity, nodeMatchesSelector, tolerates } from "../k8s/scheduling";
import { accessPolicies } from "../k8s/access-policy";
import { sourceUses } from "../config/sources";
import { FIXTURE_STACKS, loadStack, pureObjects, runParts } from "./helpers/experiment";
import { PROJECT_DIR } from "./helpers/plan";

const FIXTURE = path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml");

function container(stack: string) {
  const { objects } = pureObjects(stack);
  const parts = runParts(objects);
  return { objects, job: { metadata: parts.run.metadata, spec: parts.jobSpec }, run: parts.run, pod: parts.pod, trainer: parts.trainer };
}

describe("NVIDIA device plugin values", () => {
  it("pins chart 0.20.0 from NVIDIA's Helm repository, in kube-system", () => {
    expect(NVIDIA_DEVICE_PLUGIN_CHART).toEqual({ chart: "nvidia-device-plugin", version: "0.20.0", repo: "https://nvidia.github.io/k8s-device-plugin" });
    expect(DEVICE_PLUGIN_NAMESPACE).toBe("kube-system");
  });

  it("pins the plugin's image by digest through the chart's image.tag, the app version's tag kept for readers", () => {
    const image = devicePluginValues().image;
    expect(`${image.repository}:${image.tag}`).toMatch(/^nvcr\.io\/nvidia\/k8s-device-plugin:v0\.20\.0@sha256:[0-9a-f]{64}$/);
    expect(image.tag.startsWith(`v${NVIDIA_DEVICE_PLUGIN_CHART.version}@`)).toBe(true);
  });

  it("replaces the chart's NFD-based affinity with one on nvidia.com/gpu.present", () => {
    const text = JSON.stringify(devicePluginValues());
    expect(text).not.toContain("feature.node.kubernetes.io");
    expect(text).toContain(GPU_PRESENT_LABEL);
  });

  it.each(listStacks(PROJECT_DIR))("lands on every GPU pool's nodes of %s and on no CPU node", (stack) => {
    const { spec } = loadStack(stack);
    const values = devicePluginValues();
    for (const pool of spec.pools) {
      // Managed and hybrid nodes get gpuNodeLabels; existing nodes carry their selector plus the
      // gpu.present label the docs ask for.
      const labels = pool.kind === "existing" ? { ...pool.nodeSelector, [GPU_PRESENT_LABEL]: "true" } : gpuNodeLabels(pool);
      expect(nodeMatchesAffinity(values.affinity, labels)).toBe(true);
      expect(tolerates(values.tolerations, GPU_TAINT)).toBe(true);
    }
    const cpuNode = { "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.large", "eks.amazonaws.com/nodegroup": "system" };
    expect(nodeMatchesAffinity(values.affinity, cpuNode)).toBe(false);
    expect(nodeMatchesAffinity(values.affinity, { ...cpuNode, "feature.node.kubernetes.io/pci-10de.present": "true" })).toBe(false);
  });
});

describe("single-node Job of a100-8gpu", () => {
  const { job, pod, trainer, objects } = container("a100-8gpu");

  it("runs torchrun with 8 workers on one node through the launcher", () => {
    expect(trainer.command).toEqual(["python3", "/opt/gtc/launch.py"]);
    expect(trainer.args).toEqual(expect.arrayContaining(["--expect-gpus=8", "--standalone", "--nnodes=1", "--nproc_per_node=8", "/opt/gtc/smoke.py"]));
    expect(trainer.args!.indexOf("--")).toBeLessThan(trainer.args!.indexOf("--nproc_per_node=8"));
    expect(job.spec!.completionMode).toBeUndefined();
    expect(job.spec!.completions).toBe(1);
    expect(objects.jobSet).toBeUndefined();
  });

  it("asks for 8 GPUs and the p4d's CPU and memory, shm included, with no EFA on one node", () => {
    expect(trainer.resources!.limits!["nvidia.com/gpu"]).toBe("8");
    expect(trainer.resources!.requests!["nvidia.com/gpu"]).toBe("8");
    expect(trainer.resources!.limits!["vpc.amazonaws.com/efa"]).toBeUndefined();
    expect(trainer.resources!.requests!.cpu).toBe("94600m");
    expect(trainer.resources!.limits!.cpu).toBeUndefined();
    expect(trainer.resources!.limits!.memory).toBe(trainer.resources!.requests!.memory);
  });

  it("mounts a memory-backed /dev/shm sized to what the launcher checks", () => {
    const shm = pod.volumes!.find((v) => v.name === "dshm")!;
    expect(shm.emptyDir).toEqual({ medium: "Memory", sizeLimit: "64Gi" });
    expect(trainer.volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
    expect(trainer.args).toContain(`--min-shm-mib=${64 * 1024}`);
  });

  it("pins the image by digest and schedules onto the pool, tolerating the GPU taint", () => {
    expect(trainer.image).toMatch(/^docker\.io\/pytorch\/pytorch@sha256:[0-9a-f]{64}$/);
    expect(pod.nodeSelector).toEqual({ "gpu-training-clusters.io/pool": "a100" });
    expect(nodeMatchesSelector(pod.nodeSelector, gpuNodeLabels({ name: "a100", gpu: "a100-40gb" }))).toBe(true);
    expect(tolerates(pod.tolerations, GPU_TAINT)).toBe(true);
  });

  it("mounts the S3 dataset read-only and the FSx output writable, the launcher read-only", () => {
    expect(trainer.volumeMounts).toContainEqual({ name: "dataset-imagenet", mountPath: "/data/imagenet", readOnly: true });
    expect(trainer.volumeMounts).toContainEqual({ name: "output-outputs", mountPath: "/outputs", readOnly: false });
    expect(trainer.volumeMounts).toContainEqual({ name: "launcher", mountPath: "/opt/gtc", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "dataset-imagenet", persistentVolumeClaim: { claimName: "resnet50-a100x8-imagenet", readOnly: true } });
    expect(pod.volumes).toContainEqual({ name: "output-outputs", persistentVolumeClaim: { claimName: "resnet50-a100x8-outputs", readOnly: false } });
  });

  it("passes the stack's NCCL_DEBUG through and adds no EFA settings", () => {
    expect(trainer.env).toContainEqual({ name: "NCCL_DEBUG", value: "WARN" });
    expect(trainer.env!.map((e) => e.name)).not.toContain("FI_PROVIDER");
  });

  it("fails at once on a non-zero exit, retries disruptions up to their own bound, never retries blindly and keeps the finished Job", () => {
    const spec = job.spec!;
    expect(pod.restartPolicy).toBe("Never");
    // Disruptions count against backoffLimit (maxDisruptionRestarts, default 10) instead of being ignored without end.
    expect(spec.podFailurePolicy!.rules[0]).toEqual({ action: "Count", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] });
    expect(spec.podFailurePolicy!.rules[1]).toEqual({ action: "Count", onExitCodes: { containerName: "trainer", operator: "In", values: [75, 77, 143] } });
    expect(spec.podFailurePolicy!.rules[2]).toEqual({ action: "FailJob", onExitCodes: { containerName: "trainer", operator: "NotIn", values: [0] } });
    expect(spec.backoffLimit).toBe(10);
    expect(spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(spec.activeDeadlineSeconds).toBe(240 * 60);
    expect(job.metadata!.annotations).toEqual({ "pulumi.com/waitFor": "jsonpath={.metadata.name}" });
    expect(job.spec!.template.metadata!.annotations).toEqual({ "cluster-autoscaler.kubernetes.io/safe-to-evict": "false" });
  });

  it("carries the recommended labels on the Job and its pods", () => {
    for (const labels of [job.metadata!.labels!, job.spec!.template.metadata!.labels!]) {
      expect(labels).toMatchObject({
        "app.kubernetes.io/name": "pytorch-ddp",
        "app.kubernetes.io/instance": "resnet50-a100x8",
        "app.kubernetes.io/component": "trainer",
        "app.kubernetes.io/part-of": "gpu-training-clusters",
        "app.kubernetes.io/managed-by": "pulumi",
        [EXPERIMENT_LABEL]: "resnet50-a100x8",
      });
    }
  });
});

describe("multi-node JobSet of a100-2x8", () => {
  const { job, pod, trainer, objects } = container("a100-2x8");
  const names = { ...experimentNames({ name: "llm-a100-2x8", nodes: 2 }), job: objects.runName };

  it("is a JobSet of one Indexed Job of 2 pods, with JobSet's stable DNS names", () => {
    expect(objects.job).toBeUndefined();
    expect(objects.jobSet!.spec.network).toEqual({ enableDNSHostnames: true, publishNotReadyAddresses: true });
    expect(objects.jobSet!.spec.replicatedJobs).toHaveLength(1);
    expect(objects.jobSet!.spec.replicatedJobs[0]).toMatchObject({ name: "node", replicas: 1 });
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 2, parallelism: 2 });
    // JobSet's headless Service selects on its own labels; our experiment label stays on every pod.
    expect(nodeMatchesSelector({ [EXPERIMENT_LABEL]: "llm-a100-2x8" }, job.spec!.template.metadata!.labels!)).toBe(true);
  });

  it("takes the node rank from the completion index and rendezvouses on pod 0, waiting for its name", () => {
    expect(masterHost(names)).toBe(`${objects.runName}-node-0-0.${objects.runName}`);
    expect(trainer.args).toEqual(
      expect.arrayContaining([
        "--nnodes=2",
        "--nproc_per_node=8",
        "--node_rank=$(JOB_COMPLETION_INDEX)",
        `--master_addr=${masterHost(names)}`,
        "--master_port=29500",
        `--wait-for-host=${masterHost(names)}`,
        // Kueue's 18-minute waitForPodsReady timeout plus 2 minutes: Kueue gives up on a slow pod 0
        // before a worker does, and torchrun's rendezvous waits as long as the launcher.
        "--wait-seconds=1200",
        "--rdzv_conf=timeout=1200",
      ]),
    );
    expect(trainer.args!.indexOf(`--wait-for-host=${masterHost(names)}`)).toBeLessThan(trainer.args!.indexOf("--"));
  });

  it("tells each launcher its peers, its index and the restart limit, and the attempt from the pod's JobSet label", () => {
    const hosts = [0, 1].map((i) => `${objects.runName}-node-0-${i}.${objects.runName}:29501`);
    expect(trainer.args).toEqual(expect.arrayContaining([`--peer=${hosts[0]}`, `--peer=${hosts[1]}`, "--node-rank=$(JOB_COMPLETION_INDEX)", "--max-restarts=11"]));
    expect(trainer.args!.indexOf("--max-restarts=11")).toBeLessThan(trainer.args!.indexOf("--"));
    expect(trainer.env).toContainEqual({ name: "GTC_RESTART_ATTEMPT", valueFrom: { fieldRef: { fieldPath: "metadata.labels['jobset.sigs.k8s.io/restart-attempt']" } } });
    expect(objects.jobSet!.spec.failurePolicy.rules.map((r) => [r.name, r.action])).toEqual([
      ["NodeDisruption", "RestartJobSetAndIgnoreMaxRestarts"],
      ["UnhealthyGpu", "RestartJobSetAndIgnoreMaxRestarts"],
      ["RestartLimit", "FailJobSet"],
      ["RunTimeLimit", "FailJobSet"],
      ["TrainingFailure", "RestartJobSet"],
    ]);
  });

  it("makes workers wait for pod 0 longer than Kueue waits for the run's pods, whatever the timeout", () => {
    const { spec, plan } = loadStack("a100-2x8");
    const waited = (timeoutMinutes: number) => {
      const seconds = rendezvousTimeoutSeconds({ timeoutMinutes });
      const args = buildLaunch(spec.experiment!, { kind: "pod", gpusPerNode: 8, masterHost: "h", shmMiB: 1024, rendezvousTimeoutSeconds: seconds }).args;
      return [args.find((a) => a.startsWith("--wait-seconds=")), args.find((a) => a.startsWith("--rdzv_conf="))];
    };
    expect(plan.queueing.restart!.rendezvousTimeoutSeconds).toBeGreaterThan(plan.queueing.podsReady!.timeoutMinutes * 60);
    // The longest timeout a stack may set (240 min) still leaves the worker waiting longer.
    expect(waited(240)).toEqual(["--wait-seconds=14520", "--rdzv_conf=timeout=14520"]);
    expect(waited(45)).toEqual(["--wait-seconds=2820", "--rdzv_conf=timeout=2820"]);
    // A cluster's own Kueue (timeout unknown here): as long as the longest one a stack may set.
    expect(rendezvousTimeoutSeconds(undefined)).toBe(14520);
  });

  it("asks for the p4d's 4 EFA interfaces and points libfabric at them", () => {
    expect(trainer.resources!.limits!["vpc.amazonaws.com/efa"]).toBe("4");
    expect(trainer.resources!.requests!["vpc.amazonaws.com/efa"]).toBe("4");
    expect(trainer.env).toEqual(expect.arrayContaining([{ name: "FI_PROVIDER", value: "efa" }, { name: "FI_EFA_USE_DEVICE_RDMA", value: "1" }]));
    expect(trainer.env!.map((e) => e.name)).not.toContain("NCCL_DEBUG");
  });

  it("hardens the EFA trainer like every other: no escalation, no capabilities, the runtime's seccomp profile", () => {
    expect(trainer.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETGID", "SETUID"] }, seccompProfile: { type: "RuntimeDefault" } });
    expect(trainer.securityContext).not.toHaveProperty("privileged");
  });

  it("mounts the FSx dataset read-only (csi.readOnly and claim) and the FSx output writable, each through its own volume and claim", () => {
    const pv = objects.persistentVolumes.find((v) => v.metadata!.name === "a100-2x8-llm-a100-2x8-tokens")!;
    expect(pv.spec!.csi).toMatchObject({ driver: "fsx.csi.aws.com", volumeHandle: "fs-0fedcba9876543210", readOnly: true });
    expect(pv.spec!.csi!.volumeAttributes).toEqual({ dnsname: "fs-0fedcba9876543210.fsx.us-east-1.amazonaws.com", mountname: "ijklmnop" });
    expect(pv.spec!.capacity).toEqual({ storage: "2400Gi" });
    // Both nodes write to the output: a shared Lustre file system (a claim of EBS would be one node's only).
    const out = objects.persistentVolumes.find((v) => v.metadata!.name === "a100-2x8-llm-a100-2x8-checkpoints")!;
    expect(out.spec!.csi).toMatchObject({ driver: "fsx.csi.aws.com", volumeHandle: "fs-0fedcba9876543211" });
    expect(out.spec!.csi!.readOnly).toBeFalsy();
    expect(pod.volumes).toContainEqual({ name: "output-checkpoints", persistentVolumeClaim: { claimName: "llm-a100-2x8-checkpoints", readOnly: false } });
    expect(objects.persistentVolumeClaims.map((c) => c.metadata!.name)).toEqual(["llm-a100-2x8-tokens", "llm-a100-2x8-checkpoints"]);
  });
});

describe("volumes", () => {
  const { objects } = pureObjects(FIXTURE);

  it("make S3 PVs static, retained, bound one-to-one, read-only for datasets", () => {
    // PVs are cluster-wide: their names carry the stack's namespace.
    const dataset = objects.persistentVolumes.find((v) => v.metadata!.name === "reuse-a100-2x8-llm-reuse-2x8-tokens")!;
    expect(dataset.spec).toMatchObject({
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      accessModes: ["ReadOnlyMany"],
      claimRef: { namespace: "reuse-a100-2x8", name: "llm-reuse-2x8-tokens" },
      // The region: Mountpoint cannot read it from IMDS through the nodes' hop limit of 1.
      mountOptions: ["allow-other", "region us-east-1", "prefix tokens/v2/", "read-only"],
      // authenticationSource pod: mounted with the experiment stack's own role, not the driver's.
      csi: { driver: "s3.csi.aws.com", volumeHandle: "reuse-a100-2x8-llm-reuse-2x8-tokens", volumeAttributes: { bucketName: "example-training-datasets", authenticationSource: "pod" } },
    });
    const output = objects.persistentVolumes.find((v) => v.metadata!.name === "reuse-a100-2x8-llm-reuse-2x8-checkpoints")!;
    expect(output.spec!.accessModes).toEqual(["ReadWriteMany"]);
    expect(output.spec!.mountOptions).toEqual(["allow-other", "region us-east-1", "prefix llm-reuse-2x8/", "allow-delete", "allow-overwrite"]);
  });

  it("bind each claim to its PV by name, with no StorageClass", () => {
    for (const pvc of objects.persistentVolumeClaims) {
      const pv = objects.persistentVolumes.find((v) => v.metadata!.name === pvc.spec!.volumeName)!;
      expect(pv).toBeDefined();
      expect(pvc.spec!.storageClassName).toBe("");
      expect(pvc.spec!.accessModes).toEqual(pv.spec!.accessModes);
      expect(pvc.metadata!.namespace).toBe("reuse-a100-2x8");
      expect(pv.spec!.claimRef).toEqual({ namespace: "reuse-a100-2x8", name: pvc.metadata!.name });
      expect(pv.spec!.persistentVolumeReclaimPolicy).toBe("Retain");
    }
  });

  it("give every volume handle once per pod", () => {
    const handles = objects.persistentVolumes.map((v) => v.spec!.csi!.volumeHandle);
    expect(new Set(handles).size).toBe(handles.length);
  });

  it("use host paths on existing nodes: the dataset must exist, the output may be created", () => {
    const { pod } = container("rtx4090-hybrid");
    expect(pod.volumes).toContainEqual({ name: "dataset-cifar", hostPath: { path: "/srv/datasets/cifar", type: "Directory" } });
    expect(pod.volumes).toContainEqual({ name: "output-outputs", hostPath: { path: "/srv/outputs", type: "DirectoryOrCreate" } });
  });
});

describe("S3 access policy", () => {
  it("grants list on the prefix and get on the dataset, write actions only on the output", () => {
    const { objects } = pureObjects(FIXTURE);
    expect(objects.accessPolicies.map((p) => p.sourceType)).toEqual(["s3"]);
    expect(objects.accessPolicies[0].document).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "DatasetTokensList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::example-training-datasets"], Condition: { StringLike: { "s3:prefix": ["tokens/v2/", "tokens/v2/*"] } } },
        { Sid: "DatasetTokensObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::example-training-datasets/tokens/v2/*"] },
        { Sid: "OutputCheckpointsList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::example-training-outputs"], Condition: { StringLike: { "s3:prefix": ["llm-reuse-2x8/", "llm-reuse-2x8/*"] } } },
        {
          Sid: "OutputCheckpointsObjects",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"],
          Resource: ["arn:aws:s3:::example-training-outputs/llm-reuse-2x8/*"],
        },
      ],
    });
  });

  it("lists a whole bucket without a condition, and is absent without S3 volumes", () => {
    const [whole] = accessPolicies([{ path: "experiment.datasets[0]", role: "dataset", name: "all", mountPath: "/d", source: { type: "s3", bucket: "b-1" } }]);
    expect(whole.document.Statement[0].Condition).toBeUndefined();
    expect(whole.document.Statement[1].Resource).toEqual(["arn:aws:s3:::b-1/*"]);
    expect(accessPolicies(sourceUses(loadStack("a100-2x8").spec.experiment!))).toEqual([]);
  });
});

describe("every example stack's Job", () => {
  it.each(listStacks(PROJECT_DIR).filter((s) => loadStack(s).spec.experiment))("%s: GPUs = gpusPerNode, shm inside the memory limit, name and namespace set", (stack) => {
    const { spec, objects } = pureObjects(stack);
    const { run, pod, trainer: c } = runParts(objects);
    expect(c.resources!.limits!["nvidia.com/gpu"]).toBe(String(spec.experiment!.gpusPerNode));
    expect(objects.sizing.memoryLimitMiB).toBeGreaterThanOrEqual(objects.sizing.shmMiB * 2);
    const ns = objects.namespace;
    for (const o of [run, objects.configMap, ...objects.persistentVolumeClaims, ns.serviceAccount, ns.ingressPolicy, ns.localQueue!]) {
      expect(o.metadata!.name).toBeTruthy();
      expect(o.metadata!.namespace).toBe(stack);
    }
    expect(ns.namespace.metadata!.name).toBe(stack);
    // The pods run as the namespace's one account, which the stack's AWS identity and the GPU health check's right are given to.
    expect(pod.serviceAccountName).toBe(ns.serviceAccount.metadata!.name);
    if (ns.gpuHealthAccess) expect(ns.gpuHealthAccess.clusterRoleBinding.subjects).toEqual([{ kind: "ServiceAccount", name: pod.serviceAccountName, namespace: stack }]);
    expect(run.metadata!.labels!["gpu-training-clusters.io/stack"]).toBe(labelValue(stack));
  });

  it("is deterministic: the same inputs give the same objects", () => {
    expect(JSON.stringify(pureObjects("a100-2x8").objects)).toBe(JSON.stringify(pureObjects("a100-2x8").objects));
  });

  it("refuses to build without the launcher files the command needs", () => {
    const { spec, plan } = loadStack("t4-smoke");
    expect(() => buildExperimentObjects(experimentInput(spec, plan, { "launch.py": "" }))).toThrow(
      "images/launcher/preflight.py is missing; images/launcher/smoke.py is missing; images/launcher/catalog.json is missing (npm run generate writes it from catalog/)",
    );
  });
});

describe("label values", () => {
  it("trim stack names to what a label value allows", () => {
    expect(labelValue("a100-8gpu")).toBe("a100-8gpu");
    expect(labelValue(`_x${"y".repeat(80)}.`)).toBe(`x${"y".repeat(62)}`);
  });
});

describe("the launch builder's local target", () => {
  it("builds a CPU run on a private rendezvous port with paths mapped to this machine", () => {
    const { spec } = loadStack("a100-8gpu");
    const launch = buildLaunch(spec.experiment!, {
      kind: "local",
      nprocPerNode: 2,
      launcherDir: "/repo/images/launcher",
      mapPath: (p) => `/tmp/pod${p}`,
      python: "/usr/bin/python3",
      minShmMiB: 64,
      rendezvousPort: 40123,
    });
    expect(launch.command).toEqual(["/usr/bin/python3", "/repo/images/launcher/launch.py"]);
    expect(launch.args).toEqual(expect.arrayContaining(["--expect-gpus=0", "--min-shm-mib=64", "--dataset=/tmp/pod/data/imagenet", "--rdzv_endpoint=127.0.0.1:40123", "--nproc_per_node=2"]));
    expect(launch.args).not.toContain("--standalone");
    expect(launch.args.some((a) => a.startsWith("--wait-for-host"))).toBe(false);
  });
});

describe("a hostPath output on a pool of two machines (rtx4090-hybrid)", () => {
  const { pod } = container("rtx4090-hybrid");
  it("pins the run to the machine that holds its checkpoints", () => {
    expect(pod.nodeSelector).toMatchObject({ "kubernetes.io/hostname": "rtx4090-ws1" });
  });
});
