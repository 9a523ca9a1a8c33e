/**
 * The EFA image the stack builds: catalog facts against its Dockerfile, where it may be used,
 * the ECR repository name, and what the whole program registers for a100-2x8 under the mocks:
 * an ECR repository, a docker-build Image of the pinned Dockerfile, and a Job pulling it by digest.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { BuiltImage, PulledImage, lookupImage } from "../catalog/images";
import { contextTag, ecrLifecyclePolicy } from "../components/aws/builders/ecr";
import { buildPlan } from "../plan/plan";
import { builtImagePlaceholder, builtImageRepositoryName } from "../plan/image-build";
import { MOCK_IMAGE_DIGEST } from "../tools/mocks";
import { load, problemsOf } from "./helpers/config";
import { PROJECT_DIR, ofType, planStack } from "./helpers/plan";

const EFA_KEY = "pytorch-2.8-cuda12.8-efa";

/** The config of stacks/Pulumi.<stack>.yaml as plain objects, keyed without the project prefix. */
function stackConfig(stack: string): Record<string, any> {
  const file = parse(fs.readFileSync(path.join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(Object.entries(file.config).filter(([k]) => k.startsWith("gpu-training-clusters:")).map(([k, v]) => [k.split(":")[1], v]));
}

describe("the built EFA image in the catalog", () => {
  const found = lookupImage(EFA_KEY);
  const base = lookupImage("pytorch-2.8-cuda12.8");
  if (!found.ok || !base.ok || !found.image.build || base.image.build) throw new Error("catalog entries missing");
  const efa: BuiltImage = found.image;
  const stock: PulledImage = base.image;
  const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, efa.build.dockerfile), "utf8");

  it("is built FROM the catalog's pytorch-2.8-cuda12.8 image, same digest, and keeps its torch, CUDA and archs", () => {
    expect(dockerfile).toMatch(new RegExp(`^FROM ${stock.repository.replace("docker.io/", "")}:${stock.tag}@${stock.digest}$`, "m"));
    expect(efa).toMatchObject({ efa: true, torchVersion: stock.torchVersion, cudaRuntime: stock.cudaRuntime, archs: stock.archs });
  });

  it("pins the EFA installer version and its signing key", () => {
    expect(dockerfile).toMatch(/^ARG EFA_INSTALLER_VERSION=\d+\.\d+\.\d+$/m);
    expect(dockerfile).toMatch(/^ARG EFA_KEY_FINGERPRINT=[0-9A-F]{40}$/m);
  });

  it("builds from a context that holds the Dockerfile and what it copies", () => {
    const context = path.join(PROJECT_DIR, efa.build.context);
    expect(path.join(PROJECT_DIR, efa.build.dockerfile).startsWith(context + path.sep)).toBe(true);
    for (const [, source] of dockerfile.matchAll(/^COPY (\S+)/gm)) expect(fs.existsSync(path.join(context, source))).toBe(true);
  });
});

describe("where a built image may be used", () => {
  const a100 = { name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 };

  it("is refused on an existing cluster, naming the field, the mode and the alternative", () => {
    const problems = problemsOf(() =>
      load({ cluster: { mode: "existing" }, nodePools: [{ name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 }], experiment: { name: "llm", pool: "a100", image: EFA_KEY } }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^experiment\.image: "pytorch-2\.8-cuda12\.8-efa" is built by the stack from images\/efa\/Dockerfile/);
    expect(problems[0]).toContain('got cluster.mode "existing"; allowed: cluster.mode "create" or "reuse"');
    expect(problems[0]).toContain("custom image pinned by digest");
  });

  it("is reported with the stack's other problems", () => {
    const problems = problemsOf(() => load({ cluster: { mode: "existing" }, nodePools: [a100], experiment: { name: "llm", pool: "nope", image: EFA_KEY } }));
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["experiment.image", "experiment.pool"]);
  });

  it("plans on a cluster the stack creates, EFA-capable and built, with a placeholder reference", () => {
    const plan = buildPlan(load({ cluster: { mode: "create" }, nodePools: [a100], experiment: { name: "llm", pool: "a100", nodes: 2, image: EFA_KEY } }));
    expect(plan.experiment!.image).toMatchObject({
      efa: true,
      reference: builtImagePlaceholder({ key: EFA_KEY }),
      build: { context: "images/efa", dockerfile: "images/efa/Dockerfile", platform: "linux/amd64", repository: "gtc/test/pytorch-efa", tagMutability: "IMMUTABLE", scanOnPush: true },
    });
    expect(plan.experiment!.network.mode).toBe("efa");
  });

  it("a100-2x8 with the stock image instead is still refused: EFA nodes, no EFA in the image", () => {
    const config = stackConfig("a100-2x8");
    expect(config.experiment.image).toBe(EFA_KEY);
    const problems = problemsOf(() => buildPlan(load({ ...config, experiment: { ...config.experiment, image: "pytorch-2.8-cuda12.8" } })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^experiment\.image: pytorch-2\.8-cuda12\.8 cannot use EFA/);
  });
});

describe("ECR names and documents", () => {
  it("normalizes stack names to ECR's repository name rules", () => {
    const image = { build: { context: "images/efa", dockerfile: "images/efa/Dockerfile", platform: "linux/amd64" as const, name: "pytorch-efa" } };
    expect(builtImageRepositoryName("a100-2x8", image)).toBe("gtc/a100-2x8/pytorch-efa");
    const odd = builtImageRepositoryName("My__Stack..v2-", image);
    expect(odd).toBe("gtc/my_stack.v2/pytorch-efa");
    expect(odd).toMatch(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/);
  });

  it("keeps the newest N images with one tagStatus-any rule", () => {
    expect(ecrLifecyclePolicy(10).rules).toEqual([expect.objectContaining({ rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, action: { type: "expire" } })]);
  });

  it("tags a build by its context's content, independent of file order", () => {
    const hash = (parts: (Buffer | string)[]) => require("crypto").createHash("sha256").update(parts.join("|")).digest("hex");
    const a = [{ path: "efa/Dockerfile", content: "FROM x" }, { path: "launcher/launch.py", content: "print(1)" }];
    expect(contextTag(a, hash)).toMatch(/^build-[0-9a-f]{16}$/);
    expect(contextTag([...a].reverse(), hash)).toBe(contextTag(a, hash));
    expect(contextTag([a[0], { ...a[1], content: "print(2)" }], hash)).not.toBe(contextTag(a, hash));
  });
});

describe("a100-2x8 through the program", () => {
  let run: Awaited<ReturnType<typeof planStack>>;
  beforeAll(async () => {
    run = await planStack("a100-2x8");
  }, 240_000);

  it("creates an ECR repository with scanning, immutable tags and a lifecycle policy", () => {
    const [repository] = ofType(run, "aws:ecr/repository:Repository");
    expect(repository.inputs).toMatchObject({ name: "gtc/a100-2x8/pytorch-efa", imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, forceDelete: true });
    const [lifecycle] = ofType(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy");
    expect(lifecycle.inputs.repository).toBe("gtc/a100-2x8/pytorch-efa");
    expect(JSON.parse(String(lifecycle.inputs.policy))).toEqual(ecrLifecyclePolicy(10));
  });

  it("builds images/efa/Dockerfile for linux/amd64 and pushes it to that repository, with ECR credentials kept secret", () => {
    const images = ofType(run, "docker-build:index:Image");
    expect(images).toHaveLength(1);
    expect(images[0].inputs).toMatchObject({ context: { location: "images/efa" }, dockerfile: { location: "images/efa/Dockerfile" }, platforms: ["linux/amd64"], push: true, buildOnPreview: false });
    expect(images[0].inputs.tags).toEqual([expect.stringMatching(/^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/gtc\/a100-2x8\/pytorch-efa:build-[0-9a-f]{16}$/)]);
    expect(images[0].inputs.registries).toBe("[secret]");
  });

  it("runs the JobSet on the pushed image by digest, in that repository", () => {
    const [jobSet] = ofType(run, "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet") as { inputs: any }[];
    const containers = jobSet.inputs.spec.replicatedJobs[0].template.spec.template.spec.containers as { name: string; image: string }[];
    expect(containers.map((c) => c.image)).toEqual([`123456789012.dkr.ecr.us-east-1.amazonaws.com/gtc/a100-2x8/pytorch-efa@${MOCK_IMAGE_DIGEST}`]);
    expect(run.json.outputs.image).toBe(containers[0].image);
  });

  it("shows in plan.json that the image is EFA-capable and built", () => {
    const summary = run.json.outputs.summary as { experiment: { image: Record<string, unknown> } };
    expect(summary.experiment.image).toMatchObject({ efa: true, build: { context: "images/efa", dockerfile: "images/efa/Dockerfile", repository: "gtc/a100-2x8/pytorch-efa" } });
  });
});
