/**
 * The ECR pull-through cache for Docker Hub (plan/image-cache.ts): one rule under the stack's own
 * repository prefix, and what the nodes need to fill it. A node's first pull of an image the
 * cache does not hold yet makes ECR create the repository and import the image, on the puller's
 * permissions: ecr:BatchImportUpstreamImage and ecr:CreateRepository ("IAM permissions required to
 * sync an upstream registry with an Amazon ECR private registry",
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html), on top of the
 * pull permissions of AmazonEC2ContainerRegistryPullOnly, which the node role has already. Both are
 * granted on the prefix's repositories only.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DOCKER_HUB_UPSTREAM } from "../../plan/image-cache";

export interface DockerHubCacheArgs {
  readonly prefix: string;
  /** Secrets Manager secret `ecr-pullthroughcache/…` with the Docker Hub credentials. */
  readonly credentialArn: string;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  /** The role of the nodes that pull through the cache. */
  readonly nodeRoleName: pulumi.Input<string>;
}

/** The node role's statement: fill the cache's repositories, and no others. */
export function cacheFillPolicy(region: string, accountId: string, prefix: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "FillPullThroughCache",
        Effect: "Allow",
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: [`arn:aws:ecr:${region}:${accountId}:repository/${prefix}/*`],
      },
    ],
  };
}

export class DockerHubCache extends pulumi.ComponentResource {
  constructor(name: string, args: DockerHubCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:DockerHubCache", name, {}, opts);
    const parent = { parent: this };
    new aws.ecr.PullThroughCacheRule(`${name}-rule`, { ecrRepositoryPrefix: args.prefix, upstreamRegistryUrl: DOCKER_HUB_UPSTREAM, credentialArn: args.credentialArn }, parent);
    new aws.iam.RolePolicy(
      `${name}-fill`,
      { role: args.nodeRoleName, policy: pulumi.output(args.accountId).apply((account) => JSON.stringify(cacheFillPolicy(args.region, account, args.prefix))) },
      parent,
    );
    this.registerOutputs({});
  }
}
