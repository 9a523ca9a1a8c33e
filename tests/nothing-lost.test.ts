/**
 * Nothing lost on teardown, checked on the plan of every stack: data stores are referenced,
 * never owned (no bucket, file system or disk resource exists to delete), every volume object the
 * program creates keeps its data (reclaim policy Retain), and datasets mount read-only. The
 * component test (training-experiment.test.ts) checks volumes are also registered with
 * retainOnDelete, and the reaper refuses any stack whose state would delete data (tests/reap/).
 */
import { listStacks, loadStackFile, stackFilePath } from "../config/stack-file";
import { PROJECT_DIR, planStack } from "./helpers/plan";

const DATA_STORES = /^aws:(s3\/bucket|fsx\/|efs\/|ebs\/volume)/;

interface Mount {
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

describe.each(listStacks(PROJECT_DIR))("stack %s", (stack) => {
  it("owns no data store, creates only volumes that outlive it, and mounts datasets read-only", async () => {
    const run = await planStack(stack);
    // A file system the program reads (LustreFileSystem.get) is referenced, not owned.
    expect(run.json.resources.filter((r) => DATA_STORES.test(r.type) && !r.read).map((r) => r.type)).toEqual([]);

    const pvs = run.manifests.filter((m) => m.object.kind === "PersistentVolume");
    for (const pv of pvs) expect((pv.object.spec as { persistentVolumeReclaimPolicy?: string }).persistentVolumeReclaimPolicy).toBe("Retain");

    const { spec } = loadStackFile(PROJECT_DIR, stackFilePath(PROJECT_DIR, stack));
    type JobSpec = { template: { spec: { containers: { volumeMounts?: Mount[] }[] } } };
    const jobSpecs: JobSpec[] = run.manifests.flatMap((m) =>
      m.object.kind === "Job"
        ? [(m.object as { spec: JobSpec }).spec]
        : m.object.kind === "JobSet"
          ? (m.object as { spec: { replicatedJobs: { template: { spec: JobSpec } }[] } }).spec.replicatedJobs.map((r) => r.template.spec)
          : [],
    );
    const mounts: Mount[] = jobSpecs.flatMap((j) => j.template.spec.containers).flatMap((c) => c.volumeMounts ?? []);
    if (spec.experiment) expect(mounts.length).toBeGreaterThan(0);
    for (const dataset of spec.experiment?.datasets ?? []) {
      expect(mounts.find((m) => m.mountPath === dataset.mountPath)).toMatchObject({ readOnly: true });
    }
    const output = spec.experiment?.output;
    if (output) expect(mounts.find((m) => m.mountPath === output.mountPath)?.readOnly ?? false).toBe(false);
  });
});
