/**
 * The plan's lines on where the nodes' traffic goes: images (Docker Hub through the NAT, or the
 * in-region ECR pull-through cache) and the device plugin's MOFED setting on EFA pools. S3 is in
 * the cluster's description (the created VPC's gateway endpoint); FSx access in the deploy-time
 * checks. Pure.
 */
import type { DeployDecision } from "./deploy-gate";
import { DOCKER_HUB_ANONYMOUS_LIMIT, cacheLocation, cachedReference, isDockerHub } from "./image-cache";
import type { Plan } from "./plan";
import { hasEfaPools } from "./pools";

export function renderRegionTraffic(plan: Plan & { readonly deploy?: DeployDecision }): string[] {
  const lines: string[] = [];
  const e = plan.experiment;
  const pool = e && plan.pools.find((p) => p.name === e.pool);
  const onEks = plan.cluster.mode === "create" || plan.cluster.mode === "reuse";
  if (e && !e.image.build && pool?.kind === "managed" && onEks) {
    const cache = plan.deploy?.account?.imageCache;
    const cached = cache && cachedReference(e.image.reference, cache);
    if (cache && cached) {
      lines.push(
        `image: ${cached}, through the ECR pull-through cache ${cacheLocation(cache)} (in-region), by the catalog tag of ${e.image.reference}: ECR fills its cache only on pulls by tag (aws/containers-roadmap#2837), and checks the tag upstream at most once a day`,
      );
    } else if (cache && isDockerHub(e.image.reference)) {
      lines.push(`image: ${e.image.reference} from Docker Hub through the NAT gateway: an image pinned by digest alone is not served by the pull-through cache, which fills only on pulls by tag (aws/containers-roadmap#2837)`);
    } else if (isDockerHub(e.image.reference)) {
      lines.push(
        `image: ${e.image.reference} from Docker Hub through the NAT gateway, within Docker Hub's anonymous limit of ${DOCKER_HUB_ANONYMOUS_LIMIT}, shared by every node behind the NAT; ` +
          (plan.cluster.mode === "create"
            ? "set cluster.dockerHubCredentialsSecretArn for an in-region pull-through cache"
            : "set cluster.dockerHubCredentialsSecretArn in the cluster's stack for an in-region pull-through cache"),
      );
    }
  }
  if (plan.cluster.mode === "create" && hasEfaPools(plan)) {
    const efa = plan.pools.filter((p) => p.kind === "managed" && p.efaInterfaces > 0).map((p) => p.name);
    lines.push(`NVIDIA device plugin: mofedEnabled false (EFA pools ${efa.join(", ")}): the EFA device plugin alone hands out /dev/infiniband devices (the EKS EFA guide's setting, pinned; the plugin's own default is off since 0.19.3)`);
  }
  return lines;
}
