/**
 * TrainingImage and the built image's way into the Job, under the SDK's mocks: the component
 * registers an ECR repository and a docker-build Image, and TrainingExperiment puts
 * `<repositoryUrl>@<digest>` where the pure builders left the placeholder.
 */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TrainingImage } from "../components/aws/training-image";
import { TrainingExperiment } from "../components/training-experiment";
import { StackNamespace } from "../components/stack-namespace";
import { MOCK_IMAGE_DIGEST, PlanMocks, createMocks } from "../tools/mocks";
import { FIXTURE_STACKS, pureObjects } from "./helpers/experiment";
import { runParts } from "./helpers/experiment";

let mocks: PlanMocks;

beforeAll(async () => {
  mocks = createMocks({ region: "us-east-1" });
  await pulumi.runtime.setMocks(mocks, "gpu-training-clusters", "unit", false);
});

const settle = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply((v) => resolve(v)));

describe("TrainingImage with TrainingExperiment", () => {
  it("registers the repository and the Image as its children, and the Job pulls the pushed digest", async () => {
    const { plan, objects } = pureObjects(path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"));
    const build = plan.experiment!.image.build!;
    expect(build.repository).toBe("gtc/reuse-a100-2x8/pytorch-efa");
    const placeholder = plan.experiment!.image.reference;
    expect(runParts(objects).trainer.image).toBe(placeholder);

    const image = new TrainingImage("unit-image", { build });
    const provider = new k8s.Provider("unit-image-provider", {});
    const experiment = new TrainingExperiment("unit-built", { objects, provider, namespace: new StackNamespace("unit-built-ns", { objects: objects.namespace, provider }), builtImage: { placeholder, reference: image.reference } });
    const reference = await settle(image.reference);
    await settle(experiment.jobName);

    const url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/gtc/reuse-a100-2x8/pytorch-efa";
    expect(reference).toBe(`${url}@${MOCK_IMAGE_DIGEST}`);
    const names = mocks.resources.map((r) => `${r.type} ${r.name}`);
    expect(names).toEqual(expect.arrayContaining(["aws:ecr/repository:Repository unit-image-repository", "aws:ecr/lifecyclePolicy:LifecyclePolicy unit-image-lifecycle", "docker-build:index:Image unit-image-image"]));
    const built = mocks.resources.find((r) => r.name === "unit-image-image")!;
    expect(built.inputs).toMatchObject({ context: { location: "images/efa" }, dockerfile: { location: "images/efa/Dockerfile" }, push: true });
    // Two nodes: the run is a JobSet, whose pods nest a level deeper than a Job's.
    const jobSet = mocks.resources.find((r) => r.type === "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet" && r.name === "unit-built-jobset")! as { inputs: any };
    const builtTrainer = jobSet.inputs.spec.replicatedJobs[0].template.spec.template.spec.containers[0];
    expect(builtTrainer.image).toBe(reference);
    // Everything else of the run is the pure builders' object, untouched.
    const { image: _a, ...restBuilt } = builtTrainer;
    const { image: _b, ...restPure } = runParts(objects).trainer as unknown as Record<string, unknown>;
    expect(restBuilt).toEqual(JSON.parse(JSON.stringify(restPure)));
  });

  it("fails loudly when the pod spec does not carry the placeholder", () => {
    const { objects } = pureObjects(path.join(FIXTURE_STACKS, "Pulumi.reuse-a100-2x8.yaml"));
    const provider = new k8s.Provider("unit-miss-provider", {});
    expect(() => new TrainingExperiment("unit-miss", { objects, provider, namespace: new StackNamespace("unit-miss-ns", { objects: objects.namespace, provider }), builtImage: { placeholder: "other@sha256:x", reference: "r" } })).toThrow(
      /no container of the run has the built image's placeholder/,
    );
  });
});
