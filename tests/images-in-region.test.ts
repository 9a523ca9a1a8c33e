/**
 * Image pulls stay in the region: with cluster.dockerHubCredentialsSecretArn the cluster gets an
 * ECR pull-through cache rule for Docker Hub under its own prefix, the nodes may fill it, and the
 * run pulls the catalog's image through it by the catalog's tag (ECR fills its cache only on pulls by
 * tag: aws/containers-roadmap#2837); without it the plan says that pulls
 * go to Docker Hub through the NAT. EFA clusters turn the device plugin's MOFED handling off.
 */
import { cachedReference, imageCachePrefix, parseCacheLocation } from "../plan/image-cache";
import { devicePluginValues } from "../k8s/device-plugin";
import { MOCK_ACCOUNT } from "../tools/mocks";
import { planStack } from "./helpers/plan";
import { runProgram } from "./helpers/program";

process.setMaxListeners(100);
jest.setTimeout(180_000);

const DIGEST = "sha256:417bd75df6365104c283ea4c1651fb3530d9eb5a4c2fafa51943cff2a94e6385";
const SECRET = `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-AbCdEf`;
const T4 = { name: "t4", gpu: "t4", maxNodes: 2 };
const withCache = (secret = SECRET) => ({
  "aws:region": "us-east-1",
  cluster: { mode: "create", dockerHubCredentialsSecretArn: secret },
  nodePools: [T4],
  experiment: { name: "smoke", pool: "t4", maxRunTimeMinutes: 30 },
});
const podImage = (run: { resources: readonly { type: string; inputs: Record<string, unknown> }[] }) =>
  ((run.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!.inputs.spec as any).template.spec.containers[0].image as string);

describe("the Docker Hub pull-through cache", () => {
  it("is a rule under the stack's own prefix, which ECR accepts (2-30 characters, lower-case runs)", () => {
    for (const stack of ["a", "a-very-long-stack-name-that-goes-on-and-on-and-on", "Mixed_Case.stack"]) {
      const prefix = imageCachePrefix(stack);
      expect(prefix.length).toBeGreaterThanOrEqual(2);
      expect(prefix.length).toBeLessThanOrEqual(30);
      expect(prefix).toMatch(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/);
    }
    expect(imageCachePrefix("one")).not.toBe(imageCachePrefix("two"));
  });

  it("serves docker.io references by tag, official images with their library/ path, and nothing pinned by digest alone", () => {
    const cache = { registry: `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, prefix: "gtc-x-docker-hub" };
    // The catalog's digest: pulled through the cache by the catalog's tag for it.
    expect(cachedReference(`docker.io/pytorch/pytorch@${DIGEST}`, cache)).toBe(`${cache.registry}/gtc-x-docker-hub/pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime`);
    expect(cachedReference("ubuntu:24.04", cache)).toBe(`${cache.registry}/gtc-x-docker-hub/library/ubuntu:24.04`);
    // A digest the catalog has no tag for: a first pull by digest would come back missing.
    expect(cachedReference(`ubuntu@${DIGEST.replace(/.$/, "0")}`, cache)).toBeUndefined();
    expect(cachedReference(`nvcr.io/nvidia/pytorch@${DIGEST}`, cache)).toBeUndefined();
    expect(parseCacheLocation(`${cache.registry}/gtc-x-docker-hub`)).toEqual(cache);
  });

  it("creates the rule and the nodes' fill permission, exports it, and the run pulls through it by the catalog's tag", async () => {
    const run = await runProgram(withCache(), undefined, "cached");
    expect(run.error).toBeUndefined();
    const prefix = imageCachePrefix("cached");
    const rule = run.resources.find((r) => r.type === "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")!;
    expect(rule.inputs).toMatchObject({ ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "registry-1.docker.io", credentialArn: SECRET });
    const fill = run.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("docker-hub-cache"))!;
    expect(JSON.parse(String(fill.inputs.policy)).Statement).toEqual([
      { Sid: "FillPullThroughCache", Effect: "Allow", Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], Resource: [`arn:aws:ecr:us-east-1:${MOCK_ACCOUNT}:repository/${prefix}/*`] },
    ]);
    expect(fill.inputs.role).toBe("cached-cluster-node-role");
    expect(podImage(run)).toBe(`${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${prefix}/pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime`);
    expect(run.outputs!.imageCache).toBe(`${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${prefix}`);
  });

  it("refuses a secret of another region, which ECR would not take", async () => {
    const run = await runProgram(withCache(SECRET.replace("us-east-1", "us-west-2")), undefined, "cached");
    expect(run.error?.problems).toEqual([
      {
        path: "cluster.dockerHubCredentialsSecretArn",
        message: `is in us-west-2, but the cache rule is created in us-east-1, and ECR takes the secret only from the rule's own Region (got ${SECRET.replace("us-east-1", "us-west-2")}; copy the secret to us-east-1)`,
      },
    ]);
  });

  it("refuses a secret whose name lacks the ecr-pullthroughcache/ prefix", async () => {
    const run = await runProgram(withCache(SECRET.replace("ecr-pullthroughcache/", "")), undefined, "cached");
    expect(run.error?.message).toContain("cluster.dockerHubCredentialsSecretArn: must be the ARN of a Secrets Manager secret whose name begins with ecr-pullthroughcache/");
  });

  it("serves a reusing stack's run when its cluster stack exports one", async () => {
    const cluster = await planStack("shared-cluster");
    const location = `${MOCK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${imageCachePrefix("shared-cluster")}`;
    const outputs = { ...cluster.json.outputs, imageCache: location };
    const run = await runProgram({ "aws:region": "us-east-1", cluster: { mode: "reuse", stack: "shared-cluster" }, experiment: { name: "sweep", pool: "t4", maxRunTimeMinutes: 30 } }, undefined, "sweep", {
      onResource: (args) => (args.type === "pulumi:pulumi:StackReference" ? { id: "shared-cluster", state: { name: "shared-cluster", outputs, secretOutputNames: ["kubeconfig"] } } : undefined),
    });
    expect(run.error).toBeUndefined();
    expect(podImage(run)).toBe(`${location}/pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime`);
  });

  it("is absent by default, and the plan says pulls go to Docker Hub through the NAT within its anonymous limit", async () => {
    const run = await planStack("t4-smoke");
    expect(run.json.resources.filter((r) => r.type === "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")).toEqual([]);
    expect(run.text).toContain(
      `image: docker.io/pytorch/pytorch@${DIGEST} from Docker Hub through the NAT gateway, within Docker Hub's anonymous limit of 10 pulls per hour per IPv4 address, shared by every node behind the NAT; set cluster.dockerHubCredentialsSecretArn`,
    );
  });
});

describe("MOFED on EFA pools", () => {
  it("is off in the device plugin's values where the cluster has EFA pools, and the plan says so", async () => {
    const run = await planStack("a100-2x8");
    const release = run.json.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.includes("nvidia-device-plugin"))!;
    expect((release.inputs.values as Record<string, unknown>).mofedEnabled).toBe(false);
    expect(run.text).toContain("NVIDIA device plugin: mofedEnabled false (EFA pools a100)");
  });

  it("keeps the plugin's own default elsewhere (an existing cluster may have InfiniBand)", async () => {
    expect(devicePluginValues()).not.toHaveProperty("mofedEnabled");
    const run = await planStack("t4-smoke");
    const release = run.json.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.includes("nvidia-device-plugin"))!;
    expect(release.inputs.values as Record<string, unknown>).not.toHaveProperty("mofedEnabled");
  });
});
