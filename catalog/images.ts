/**
 * Training images the gate knows: CUDA runtime, the arch list the PyTorch build was compiled for,
 * and the digest it is pinned to. The gate cannot look inside an image, so these facts are data.
 *
 * Arch lists of PyTorch 2.8 wheels: https://github.com/pytorch/pytorch/blob/v2.8.0/RELEASE.md
 * (CUDA 12.6: sm_50..sm_90; CUDA 12.8: sm_70..sm_120). Digests are the linux/amd64 images of the
 * official `pytorch/pytorch` tags, as pinned by independent public projects.
 */
import { parseCapability } from "./arch";
import type { ComputeCapability } from "./gpus";
import { normalizedRepository, parseImageReference } from "./image-ref";

interface ImageFacts {
  /** Catalog key, e.g. `pytorch-2.8-cuda12.8`. */
  readonly key: string;
  readonly torchVersion?: string;
  readonly cudaRuntime: string;
  /** Compute capabilities with native (SASS) code in the build. */
  readonly archs: readonly ComputeCapability[];
  /**
   * Whether NCCL in this image can use EFA: libfabric with the EFA provider and the aws-ofi-nccl
   * plugin inside. Without them NCCL runs over TCP sockets between nodes, silently.
   */
  readonly efa: boolean;
}

/** An image pulled from a registry, pinned by digest. */
export interface PulledImage extends ImageFacts {
  readonly repository: string;
  readonly tag?: string;
  readonly digest: string;
  readonly build?: undefined;
}

/**
 * An image the stack builds from a Dockerfile of this repository and pushes to an ECR repository
 * of its own (components/aws/training-image.ts); its digest exists only after the push, so the
 * pod spec gets `<repositoryUrl>@<digest>` at deploy time. The Dockerfile pins what it is built
 * from: the base image by digest and the installer by version.
 */
export interface BuiltImage extends ImageFacts {
  readonly build: ImageBuild;
  readonly repository?: undefined;
  readonly digest?: undefined;
}

export interface ImageBuild {
  /** Build context, relative to the project directory (where Pulumi runs the program). */
  readonly context: string;
  /** Dockerfile, relative to the project directory. */
  readonly dockerfile: string;
  /** Target platform: every GPU node of the catalog is x86_64. */
  readonly platform: "linux/amd64";
  /** Last path segment of the ECR repository the stack creates for it. */
  readonly name: string;
}

export type ImageSpec = PulledImage | BuiltImage;

const cc = (...list: string[]): ComputeCapability[] => list.map(parseCapability);

const IMAGES: readonly ImageSpec[] = [
  {
    key: "pytorch-2.8-cuda12.8",
    repository: "docker.io/pytorch/pytorch",
    tag: "2.8.0-cuda12.8-cudnn9-runtime",
    digest: "sha256:417bd75df6365104c283ea4c1651fb3530d9eb5a4c2fafa51943cff2a94e6385",
    torchVersion: "2.8.0",
    cudaRuntime: "12.8",
    archs: cc("7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    // The official images ship NCCL but neither libfabric nor aws-ofi-nccl.
    efa: false,
  },
  {
    key: "pytorch-2.8-cuda12.6",
    repository: "docker.io/pytorch/pytorch",
    tag: "2.8.0-cuda12.6-cudnn9-runtime",
    digest: "sha256:dab81780fd94483b67b4b5679cc0024939b08e48540d39476d284cb29002ed69",
    torchVersion: "2.8.0",
    cudaRuntime: "12.6",
    archs: cc("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"),
    efa: false,
  },
  {
    // images/efa/Dockerfile: FROM the pytorch-2.8-cuda12.8 image above (same digest), plus the EFA
    // installer's libfabric and aws-ofi-nccl. Torch build, CUDA runtime and arch list are the base's.
    key: "pytorch-2.8-cuda12.8-efa",
    build: { context: "images/efa", dockerfile: "images/efa/Dockerfile", platform: "linux/amd64", name: "pytorch-efa" },
    torchVersion: "2.8.0",
    cudaRuntime: "12.8",
    archs: cc("7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"),
    efa: true,
  },
];

export const DEFAULT_IMAGE_KEY = "pytorch-2.8-cuda12.8";

/**
 * Requests that name a build which does not exist, with what they resolve to and why.
 * PyTorch 2.8 has no CUDA 12.1 build (the last was 2.5.x); 12.8 is the nearest build that
 * covers every GPU in the catalog (sm_120 included) and runs on the AL2023 NVIDIA AMI's driver.
 */
const ALIASES: Record<string, { key: string; why: string }> = {
  "pytorch-2.8-cuda12.1": {
    key: "pytorch-2.8-cuda12.8",
    why:
      "PyTorch 2.8 publishes no CUDA 12.1 build (the last one was 2.5); the CUDA 12.8 build is used: it covers every catalog GPU " +
      "(sm_70-sm_120) and needs driver >= 570.26, which the EKS AL2023 NVIDIA AMI exceeds. Choose pytorch-2.8-cuda12.6 for nodes with a 560.x driver.",
  },
};

export function imageKeys(): string[] {
  return IMAGES.map((i) => i.key);
}

export function aliasKeys(): string[] {
  return Object.keys(ALIASES);
}

export type ImageLookup =
  | { readonly ok: true; readonly image: ImageSpec; readonly requested: string; readonly substitution?: string }
  | { readonly ok: false };

/** Accepts catalog keys, the aliases above, and `pytorch:2.8-cuda12.1`-style spellings of them. */
export function lookupImage(request: string): ImageLookup {
  const byReference = lookupByReference(request);
  if (byReference) return byReference;
  const normal = request.trim().toLowerCase().replace(/^pytorch[:/ ]/, "pytorch-").replace(/[ _]+/g, "-");
  const direct = IMAGES.find((i) => i.key === normal);
  if (direct) return { ok: true, image: direct, requested: request };
  const alias = ALIASES[normal];
  if (alias) {
    return { ok: true, image: IMAGES.find((i) => i.key === alias.key)!, requested: request, substitution: alias.why };
  }
  return { ok: false };
}

/**
 * The public reference of a catalog image (`pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime`, with
 * or without `docker.io/`, optionally with its own digest) names that catalog entry: it resolves
 * to the pinned digest, and the plan says so. A tag can be moved to other bytes; the digest cannot.
 */
function lookupByReference(request: string): ImageLookup | undefined {
  if (!/[/:@]/.test(request)) return undefined;
  const parsed = parseImageReference(request.trim());
  if (!parsed.ok) return undefined;
  const ref = parsed.ref;
  const repository = normalizedRepository(ref);
  const image = pulledImages().find((i) => {
    if (normalizedRepository(parseRepository(i.repository)) !== repository) return false;
    if (ref.digest) return ref.digest === i.digest && (ref.tag === undefined || ref.tag === i.tag);
    return ref.tag !== undefined && ref.tag === i.tag;
  });
  if (!image) return undefined;
  const substitution = ref.digest
    ? `${request} is the catalog image ${image.key}`
    : `the public tag ${request} is the catalog image ${image.key}, pinned to its digest ${image.digest} (a tag can be moved; the digest cannot)`;
  return { ok: true, image, requested: request, substitution };
}

function parseRepository(repository: string): { registry?: string; path: string } {
  const parsed = parseImageReference(repository);
  if (!parsed.ok) throw new Error(`catalog repository ${repository} is not a valid reference`);
  return parsed.ref;
}

/** The images pulled from a registry, in catalog order (built images have no public reference). */
export function pulledImages(): PulledImage[] {
  return IMAGES.filter((i): i is PulledImage => !("build" in i && i.build));
}

/** `pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime`: the tag reference people know an image by. */
export function publicReference(image: Pick<PulledImage, "repository" | "tag">): string | undefined {
  return image.tag === undefined ? undefined : `${image.repository.replace(/^docker\.io\//, "")}:${image.tag}`;
}

/** The public references a catalog image answers to, for messages. */
export function catalogReferences(): string[] {
  return pulledImages().flatMap((i) => publicReference(i) ?? []);
}

/** `repository@digest`: what a pod spec references, so a retagged image can never slip in. */
export function imageReference(image: Pick<PulledImage, "repository" | "digest">): string {
  return `${image.repository}@${image.digest}`;
}
