/**
 * Images the stack builds (catalog entries with `build`, catalog/images.ts): where the build comes
 * from, which ECR repository it is pushed to, and the stand-in reference the pure Kubernetes
 * builders get in place of `<repositoryUrl>@<digest>`, which exists only after the push.
 *
 * The pure builders stay pure: they put BUILT_IMAGE_PLACEHOLDER in the pod spec, and the
 * TrainingExperiment component (components/training-experiment.ts) swaps it for the pushed
 * image's reference, an Output. Golden files and tests of the pure path show the placeholder.
 */
import type { BuiltImage } from "../catalog/images";

export interface ImageBuildPlan {
  /** Build context and Dockerfile, relative to the project directory. */
  readonly context: string;
  readonly dockerfile: string;
  readonly platform: string;
  /** ECR repository the stack creates and pushes to (in the stack's account and region). */
  readonly repository: string;
  /** Tags are immutable: each build is pushed under a tag derived from its context's content. */
  readonly tagMutability: "IMMUTABLE";
  readonly scanOnPush: true;
  /** The lifecycle policy keeps this many images; older ones expire. */
  readonly keepImages: number;
  /** What the machine running `pulumi up` needs. */
  readonly needs: string;
}

/** Images kept per repository: the current one and a few to roll back to. */
export const KEEP_BUILT_IMAGES = 10;

/**
 * The docker-build provider embeds its own buildx client and talks to a Docker daemon (BuildKit)
 * on the machine running Pulumi (@pulumi/docker-build 0.0.22, image.d.ts: "the provider embeds a
 * v25 Docker client with v0.12 buildx support"; pulumi/pulumi-docker-build sdk/nodejs/image.ts).
 */
export const BUILD_NEEDS =
  "a running Docker daemon with BuildKit on the machine running `pulumi up` (Docker Engine or Docker Desktop; the docker-build provider brings its own buildx client), able to build linux/amd64";

/**
 * Stand-in for `<repositoryUrl>@<digest>` in the pure builders' pod spec (`.invalid` never
 * resolves). The program passes the build's context tag: the run's name is a hash of its spec
 * (config/run-name.ts), so a rebuilt image must change the spec the pure builders see, or the
 * replacement run would reuse the old run's name.
 */
export function builtImagePlaceholder(image: Pick<BuiltImage, "key">, contextTag?: string): string {
  return contextTag ? `built-image.invalid/${image.key}:${contextTag}` : `built-image.invalid/${image.key}@sha256:<digest of the image pushed by pulumi up>`;
}

/**
 * ECR repository name: `gtc/<stack>/<image>`. ECR allows lowercase letters, digits and single
 * `.`, `_`, `-` between them, in `/`-separated parts, 2 to 256 characters
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html,
 * repositoryName pattern `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`).
 * Stack names may hold uppercase letters and runs of separators, so they are normalized.
 */
export function builtImageRepositoryName(stack: string, image: Pick<BuiltImage, "build">): string {
  const part = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/[._-]{2,}/g, (run) => run[0])
      .replace(/^[._-]+|[._-]+$/g, "") || "x";
  return `gtc/${part(stack)}/${part(image.build.name)}`.slice(0, 256);
}

export function planImageBuild(stack: string, image: BuiltImage): ImageBuildPlan {
  return {
    context: image.build.context,
    dockerfile: image.build.dockerfile,
    platform: image.build.platform,
    repository: builtImageRepositoryName(stack, image),
    tagMutability: "IMMUTABLE",
    scanOnPush: true,
    keepImages: KEEP_BUILT_IMAGES,
    needs: BUILD_NEEDS,
  };
}
