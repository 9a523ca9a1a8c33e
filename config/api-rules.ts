/**
 * Rules of the APIs that receive the experiment's values: Kubernetes (label names), EC2 (instance
 * type names), the NVIDIA container stack (GPU variables) and the Linux kernel (the launch
 * command's size), plus the launcher's own contract. Each returns every problem it finds. The
 * rules of each volume source's API live with the source (config/sources/).
 */
import * as posix from "path/posix";
import { parseImageReference } from "../catalog/image-ref";
import { LAUNCHER_DIR, SMOKE_SCRIPT } from "./launcher-paths";
import { ec2InstanceTypeName } from "./aws-validation";
import { Problem, show } from "./errors";
import { labelValue, qualifiedName } from "./k8s-validation";
import type { ClusterInput, ExperimentInput, NodePoolInput } from "./schema";
import { envNames } from "./rules";

/**
 * Variables that would break the GPU request, refused like torchrun's reserved ones:
 * - NVIDIA_VISIBLE_DEVICES: the NVIDIA device plugin sets it to the GPUs the kubelet allocated to
 *   the container (DEVICE_LIST_STRATEGY=envvar, the default;
 *   https://github.com/NVIDIA/k8s-device-plugin#configuration-option-details); another value
 *   exposes other pods' GPUs or none.
 * - NVIDIA_DRIVER_CAPABILITIES, NVIDIA_REQUIRE_*, NVIDIA_DISABLE_REQUIRE: read by the NVIDIA
 *   Container Toolkit when it creates the container
 *   (https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html):
 *   the capabilities decide which driver libraries are mounted (without `compute` there is no
 *   libcuda), a requirement that fails stops the container from starting, and disabling the
 *   requirement hides the image's CUDA check.
 * - CUDA_VISIBLE_DEVICES: CUDA renumbers or hides the allocated GPUs, so torchrun's worker N no
 *   longer finds cuda:N ("invalid device ordinal") or several workers share one GPU.
 */
export const GPU_RESERVED_ENV: Readonly<Record<string, string>> = {
  CUDA_VISIBLE_DEVICES: "CUDA would renumber or hide the GPUs the pod was given, so worker N no longer finds cuda:N",
  NVIDIA_VISIBLE_DEVICES: "the NVIDIA device plugin sets it to the GPUs the kubelet allocated to the pod",
  NVIDIA_DRIVER_CAPABILITIES: "the NVIDIA Container Toolkit mounts the driver libraries it names; the image already asks for compute and utility",
  NVIDIA_DISABLE_REQUIRE: "it turns off the NVIDIA Container Toolkit's check of the image's CUDA requirement; the plan's compatibility gate checks the driver instead",
};
export const GPU_RESERVED_ENV_PREFIXES: Readonly<Record<string, string>> = {
  NVIDIA_REQUIRE_: "the NVIDIA Container Toolkit refuses to start the container when the requirement fails; the image declares its own",
};

/**
 * Linux limits on execve(2) (man7.org/linux/man-pages/man2/execve.2.html, "Limits on size of
 * arguments and environment"): each string at most MAX_ARG_STRLEN = 32 pages = 131072 bytes
 * including its terminating NUL; argv and envp together at most a quarter of the stack limit,
 * 2 MiB with the usual 8 MiB stack (getconf ARG_MAX = 2097152), counting each string's NUL and
 * its pointer.
 */
export const MAX_ARG_STRLEN = 131_072;
export const ARG_MAX = 2_097_152;
/** Room for the launcher's own arguments, torchrun's flags and the variables the kubelet adds. */
export const LAUNCH_OVERHEAD_BYTES = 64 * 1024;

/**
 * Smallest /dev/shm worth starting with: NCCL's shared-memory transport and PyTorch DataLoader
 * workers pass tensors through /dev/shm, and the container default (64 MiB) gives bus errors
 * ("unable to write to file </torch_...>"; https://github.com/pytorch/pytorch#docker-image). 1 GiB
 * holds NCCL's buffers for 8 local ranks and a few batches in flight.
 */
export const SHM_FLOOR_GIB = 1;

/** Files of the launcher, mounted at LAUNCHER_DIR; only the smoke workload there is a training script. */
export const RESERVED_LAUNCHER_FILES = ["launch.py", "preflight.py", "rendezvous.py"];

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

export function experimentApiRules(e: ExperimentInput, failed: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  if (!failed.has("env") && !failed.has("sweep")) {
    for (const [key, path] of envNames(e)) {
      const why = GPU_RESERVED_ENV[key] ?? Object.entries(GPU_RESERVED_ENV_PREFIXES).find(([p]) => key.startsWith(p))?.[1];
      if (why) {
        problems.push({
          path,
          message: `would break the GPU request and cannot be set: ${why} (reserved: ${Object.keys(GPU_RESERVED_ENV).join(", ")}, ${Object.keys(GPU_RESERVED_ENV_PREFIXES).map((p) => `${p}*`).join(", ")})`,
        });
      }
    }
  }

  if (!failed.has("image") && typeof e.image !== "string") problems.push(...customImageRules(e.image.repository));

  if (!failed.has("script")) {
    const script = posix.normalize(e.script);
    if ((script === LAUNCHER_DIR || script.startsWith(`${LAUNCHER_DIR}/`)) && script !== SMOKE_SCRIPT) {
      problems.push({
        path: "experiment.script",
        message: `is inside the launcher's directory ${LAUNCHER_DIR}, which the launcher's ConfigMap replaces in every pod (got ${show(e.script)}; allowed there: ${SMOKE_SCRIPT}, the smoke workload; reserved: ${RESERVED_LAUNCHER_FILES.map((f) => `${LAUNCHER_DIR}/${f}`).join(", ")})`,
      });
    }
  }

  const strings: { path: string; value: string }[] = [
    ...(failed.has("script") ? [] : [{ path: "experiment.script", value: e.script }]),
    ...(failed.has("args") ? [] : (e.args ?? []).map((value, i) => ({ path: `experiment.args[${i}]`, value }))),
    ...(failed.has("env") ? [] : Object.entries(e.env).map(([k, v]) => ({ path: `experiment.env.${k}`, value: `${k}=${v}` }))),
    ...(failed.has("sweep") ? [] : Object.entries(e.sweep?.env ?? {}).flatMap(([k, vs]) => vs.map((v) => ({ path: `experiment.sweep.env.${k}`, value: `${k}=${v}` })))),
  ];
  for (const s of strings) {
    const n = bytes(s.value) + 1;
    if (n > MAX_ARG_STRLEN) {
      problems.push({ path: s.path, message: `is ${n} bytes with its terminating NUL, over Linux's ${MAX_ARG_STRLEN}-byte limit for one argument or variable (MAX_ARG_STRLEN, execve(2)): pass a file path instead` });
    }
  }
  const total = strings.reduce((sum, s) => sum + bytes(s.value) + 1 + 8, 0) + LAUNCH_OVERHEAD_BYTES;
  if (total > ARG_MAX) {
    problems.push({ path: "experiment.args", message: `with the environment come to ${total} bytes of the launch command, over Linux's ARG_MAX of ${ARG_MAX} bytes (execve(2): "Argument list too long"; ${LAUNCH_OVERHEAD_BYTES} bytes are kept for the launcher): pass files instead` });
  }

  if (!failed.has("shmGiB") && e.shmGiB !== undefined && e.shmGiB < SHM_FLOOR_GIB) {
    problems.push({ path: "experiment.shmGiB", message: `must be at least ${SHM_FLOOR_GIB} GiB (got ${e.shmGiB}): NCCL's shared-memory transport and DataLoader workers need /dev/shm; omit it for the sized default` });
  }

  return problems;
}

/**
 * A custom image's repository is a name alone: the digest field completes the reference, so a
 * repository that already holds a tag or digest would build `repo:tag@sha256:...@sha256:...`.
 */
export function customImageRules(repository: string): Problem[] {
  const at = "experiment.image.repository";
  const parsed = parseImageReference(repository);
  if (!parsed.ok) return parsed.problems.map((p) => ({ path: at, message: `${p} (got ${show(repository)}; an OCI repository such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/train)` }));
  const extra = [parsed.ref.tag && `the tag ${show(parsed.ref.tag)}`, parsed.ref.digest && `the digest ${parsed.ref.digest}`].filter(Boolean);
  if (extra.length === 0) return [];
  return [{ path: at, message: `already contains ${extra.join(" and ")} (got ${show(repository)}; give the repository alone and the digest in experiment.image.digest, so the reference is built once: repository@digest)` }];
}

export function poolApiRules(pool: NodePoolInput, at: string): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(pool.nodeSelector ?? {})) {
    for (const p of qualifiedName(key)) problems.push({ path: `${at}.nodeSelector`, message: `key ${show(key)}: ${p} (a Kubernetes label key: [prefix/]name)` });
    for (const p of labelValue(value)) problems.push({ path: `${at}.nodeSelector.${key}`, message: `${p} (got ${show(value)}; a Kubernetes label value, at most 63 characters)` });
  }
  return problems;
}

export function clusterApiRules(cluster: ClusterInput): Problem[] {
  if (cluster.mode !== "create") return [];
  const type = cluster.systemNodes.instanceType;
  return ec2InstanceTypeName(type).map((p) => ({ path: "cluster.systemNodes.instanceType", message: `${p} (got ${show(type)})` }));
}
