/**
 * An image the stack builds and pushes: an ECR repository of its own (scan on push, immutable
 * tags, a lifecycle policy), and a `@pulumi/docker-build` Image built from a Dockerfile of this
 * repository and pushed there. `reference` is `<repositoryUrl>@<digest>`, the pushed image by
 * digest, for the Job's pod spec.
 *
 * docker-build Image (0.0.22; pulumi/pulumi-docker-build, sdk/nodejs/image.ts):
 * - `push: true` pushes to the registries of `tags`; without it nothing leaves the machine.
 * - `registries` carries credentials in memory only; for ECR they come from
 *   aws.ecr.getAuthorizationToken (userName/password), as in the provider's "Push to AWS ECR" example.
 * - `digest` is the pushed manifest's digest; `buildOnPreview` defaults to true (a full build on
 *   every `pulumi preview`); it is off here: a preview shows the build, `pulumi up` runs it.
 * - It needs a Docker daemon with BuildKit on the machine running Pulumi (plan/image-build.ts).
 *
 * Nodes pull it with their role's AmazonEC2ContainerRegistryPullOnly (ecr:GetAuthorizationToken,
 * ecr:BatchGetImage, ecr:GetDownloadUrlForLayer on any repository of the account;
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryPullOnly.html),
 * attached by components/aws/builders/iam.ts to managed and hybrid nodes alike.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { ImageBuildPlan } from "../../plan/image-build";
import { contextTag, ecrLifecyclePolicy } from "./builders/ecr";

/** The project directory: build paths in the plan are relative to it, as Pulumi runs the program there. */
const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Files the build context sends to the daemon, minus Python caches (images/.dockerignore leaves them out too). */
function contextFiles(dir: string, prefix = ""): { path: string; content: Buffer }[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .filter((e) => e.name !== "__pycache__" && !e.name.endsWith(".pyc"))
    .flatMap((e) => {
      const rel = path.posix.join(prefix, e.name);
      return e.isDirectory() ? contextFiles(dir, rel) : [{ path: rel, content: fs.readFileSync(path.join(dir, rel)) }];
    });
}

const sha256 = (data: (Buffer | string)[]) => data.reduce((h, d) => h.update(d), crypto.createHash("sha256")).digest("hex");

export interface TrainingImageArgs {
  readonly build: ImageBuildPlan;
  readonly tags?: Record<string, string>;
}

export class TrainingImage extends pulumi.ComponentResource {
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly digest: pulumi.Output<string>;
  /** `<repositoryUrl>@<digest>`: a tag could move, a digest cannot. */
  public readonly reference: pulumi.Output<string>;
  /** `build-<hash of the context>`: known before the build, it changes exactly when the image does. */
  public readonly contextTag: string;

  constructor(name: string, args: TrainingImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:TrainingImage", name, {}, opts);
    const { build } = args;

    // forceDelete: `pulumi destroy` removes the repository with its images (rebuildable from the
    // Dockerfile); without it ECR refuses to delete a repository that holds images.
    const repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: build.repository,
        imageTagMutability: build.tagMutability,
        imageScanningConfiguration: { scanOnPush: build.scanOnPush },
        forceDelete: true,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(`${name}-lifecycle`, { repository: repository.name, policy: JSON.stringify(ecrLifecyclePolicy(build.keepImages)) }, { parent: this });

    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
    const tag = contextTag(contextFiles(path.join(PROJECT_DIR, build.context)), sha256);
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        context: { location: build.context },
        dockerfile: { location: build.dockerfile },
        platforms: [build.platform as dockerBuild.Platform],
        push: true,
        buildOnPreview: false,
        tags: [pulumi.interpolate`${repository.repositoryUrl}:${tag}`],
        registries: [{ address: repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) }],
      },
      { parent: this },
    );

    this.contextTag = tag;
    this.repositoryUrl = repository.repositoryUrl;
    this.digest = image.digest;
    this.reference = pulumi.interpolate`${repository.repositoryUrl}@${image.digest}`;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, digest: this.digest, reference: this.reference });
  }
}
