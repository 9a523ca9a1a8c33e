/**
 * The catalog facts the in-pod launcher needs, as the JSON file it reads
 * (images/launcher/catalog.json, shipped next to preflight.py in the launcher ConfigMap).
 * Python cannot import this catalog, and a copy kept by hand drifts (the preflight's own table
 * once lacked CUDA 12.9): so the file is generated from here by `npm run generate`, and
 * tests/generated.test.ts fails when the committed copy is stale. Pure: the catalog alone, in,
 * the same text out.
 */
import { EKS_NVIDIA_AMI_DRIVER_BRANCH, driverMinimums } from "./drivers";
import { GPU_TYPES, GpuHealthFigures, gpuSpec, smName } from "./gpus";
import { DEFAULT_IMAGE_KEY, PulledImage, imageReference, publicReference, pulledImages } from "./images";

/** Where the file lies, relative to the project directory; the name is its key in the ConfigMap. */
export const LAUNCHER_CATALOG_DIR = "images/launcher";
export const LAUNCHER_CATALOG_FILE = "catalog.json";

/** One PyTorch build the preflight can recommend for a GPU it finds. */
export interface LauncherBuild {
  /** Catalog key, e.g. `pytorch-2.8-cuda12.8`. */
  readonly key: string;
  readonly torchVersion?: string;
  readonly cudaRuntime: string;
  /** `sm_XY` entries, the form torch.cuda.get_arch_list() reports. */
  readonly archList: readonly string[];
  /** The reference the advice names: the public tag where the image has one. */
  readonly image: string;
}

export interface LauncherFacts {
  /** Says what the file is, since JSON has no comments. */
  readonly about: string;
  /** The default image first, then the rest in catalog order: the preflight advises the first that fits. */
  readonly builds: readonly LauncherBuild[];
  readonly defaultBuild: string;
  /** CUDA runtime ("12.8") → minimum Linux driver, from catalog/drivers.ts. */
  readonly driverMinimum: Readonly<Record<string, string>>;
  /** The driver branch of the EKS AL2023 NVIDIA AMI, for the preflight's upgrade advice. */
  readonly eksNvidiaAmiDriverBranch: string;
  /** GPU key → the figures the GPU health check judges it against (gpu_health.py), and its name for messages. */
  readonly gpuHealth: Readonly<Record<string, GpuHealthFigures & { readonly model: string }>>;
}

function launcherBuild(image: PulledImage): LauncherBuild {
  return {
    key: image.key,
    ...(image.torchVersion === undefined ? {} : { torchVersion: image.torchVersion }),
    cudaRuntime: image.cudaRuntime,
    archList: image.archs.map(smName),
    image: publicReference(image) ?? imageReference(image),
  };
}

/**
 * The launcher's facts. Only pulled images: a built image (images/efa) lives in the stack's own
 * ECR repository, which no advice to another stack's user can name.
 */
export function launcherFacts(): LauncherFacts {
  const pulled = pulledImages();
  const ordered = [...pulled.filter((i) => i.key === DEFAULT_IMAGE_KEY), ...pulled.filter((i) => i.key !== DEFAULT_IMAGE_KEY)];
  return {
    about: `Generated from catalog/ by catalog/launcher-facts.ts (npm run generate): edit the catalog, never this file.`,
    builds: ordered.map(launcherBuild),
    defaultBuild: DEFAULT_IMAGE_KEY,
    driverMinimum: driverMinimums(),
    eksNvidiaAmiDriverBranch: EKS_NVIDIA_AMI_DRIVER_BRANCH,
    gpuHealth: Object.fromEntries(GPU_TYPES.map((gpu) => [gpu, { model: gpuSpec(gpu).displayName, ...gpuSpec(gpu).health }])),
  };
}

/** Object keys sorted at every level, arrays in their order: the same facts always give the same text. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, sortedKeys(record[k])]));
  }
  return value;
}

/** The file's text: sorted keys, two-space indent, trailing newline. */
export function launcherFactsJson(facts: LauncherFacts = launcherFacts()): string {
  return `${JSON.stringify(sortedKeys(facts), null, 2)}\n`;
}
