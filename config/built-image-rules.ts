/**
 * Where an image the stack builds (a catalog entry with `build`) can be used. The stack pushes it
 * to an ECR repository it creates in its own account, which only the EKS clusters of this project
 * are known to pull from: their node roles carry AmazonEC2ContainerRegistryPullOnly
 * (components/aws/builders/iam.ts). An existing cluster's nodes may have no ECR access at all.
 */
import { lookupImage } from "../catalog/images";
import { Problem, show } from "./errors";
import type { ExperimentInput } from "./schema";

export function builtImageRules(image: ExperimentInput["image"], clusterMode: "create" | "reuse" | "existing"): Problem[] {
  if (typeof image !== "string") return [];
  const found = lookupImage(image);
  if (!found.ok || !found.image.build || clusterMode !== "existing") return [];
  return [
    {
      path: "experiment.image",
      message:
        `${show(image)} is built by the stack from ${found.image.build.dockerfile} and pushed to an ECR repository it creates, which needs an EKS cluster of this project ` +
        `(got cluster.mode "existing"; allowed: cluster.mode "create" or "reuse"). On an existing cluster, build and push the image yourself and give it as a custom image ` +
        `pinned by digest: { repository, digest: "sha256:...", cudaRuntime: "${found.image.cudaRuntime}", archs, efa: ${found.image.efa} }`,
    },
  ];
}
