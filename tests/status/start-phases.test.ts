/** Time to first step in `npm run status`: phases from the Workload, rank 0's pod and its timestamped log. */
import { logMarks, startPhases } from "../../status/start-phases";
import { renderStatus } from "../../status/render";
import { buildStatus } from "../../status/report";
import type { Pod, Workload } from "../../status/objects";

const workload = {
  metadata: { name: "job-t4-smoke-x1-1a2b3", ownerReferences: [{ kind: "Job", name: "t4-smoke-x1", uid: "u1" } as never] },
  status: { conditions: [{ type: "QuotaReserved", status: "True", lastTransitionTime: "2026-03-02T10:00:05Z" }, { type: "Admitted", status: "True", lastTransitionTime: "2026-03-02T10:00:05Z" }] },
} as unknown as Workload;
const pod = {
  metadata: { name: "t4-smoke-x1-0-abcde", namespace: "default", creationTimestamp: "2026-03-02T10:00:06Z", labels: { "batch.kubernetes.io/job-name": "t4-smoke-x1", "batch.kubernetes.io/job-completion-index": "0" } },
  spec: { nodeName: "ip-10-0-1-5" },
  status: {
    phase: "Running",
    conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2026-03-02T10:06:36Z" }],
    containerStatuses: [{ name: "trainer", restartCount: 0, state: { running: { startedAt: "2026-03-02T10:09:00Z" } } }],
  },
} as unknown as Pod;
const log = [
  "2026-03-02T10:09:01.100000000Z launch: workdir: 3 files unpacked into /workspace",
  "2026-03-02T10:09:12.000000000Z preflight: ok gpus=1 [Tesla T4 sm_75]",
  "2026-03-02T10:09:40.000000000Z launch: setup 1/1: pip install -r requirements.txt",
  "2026-03-02T10:10:30.500000000Z launch: exec python -m torch.distributed.run --nnodes=1 --nproc_per_node=1 train.py",
  "2026-03-02T10:10:41.000000000Z loading tokenizer",
  "2026-03-02T10:10:52.000000000Z step 1 loss 2.31",
  "2026-03-02T10:11:02.000000000Z step 2 loss 2.20",
].join("\n");

describe("time to first step", () => {
  it("reads each phase from where it is recorded, with the time since the one before", () => {
    const phases = startPhases({ submitted: new Date("2026-03-02T10:00:00Z"), workload, pod, log });
    expect(phases.map((p) => [p.phase, p.afterSeconds])).toEqual([
      ["submitted", 0],
      ["admitted", 5],
      ["pod scheduled", 391],
      ["image pulled", 144],
      ["preflight done", 12],
      ["setup done", 78.5],
      ["first step", 21.5],
    ]);
  });

  it("has no log phases without timestamps, and no first step before torchrun starts", () => {
    expect(logMarks(log.replace(/^\S+ /gm, ""))).toEqual({});
    expect(logMarks("2026-03-02T10:00:00Z step 1 of the setup\n2026-03-02T10:00:01Z launch: exec x")).toEqual({ "setup done": new Date("2026-03-02T10:00:01Z") });
  });

  it("status shows the phases of the newest run, and that exec submitted it", () => {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "t4-smoke-x1", namespace: "default", uid: "u1", creationTimestamp: "2026-03-02T10:00:00Z", labels: { "kueue.x-k8s.io/queue-name": "training", "gpu-training-clusters.io/submitted-by": "exec" } }, spec: {}, status: {} };
    const s = buildStatus(
      { experiment: "t4-smoke", namespace: "default", jobs: [job as never], jobSets: [], pods: [pod], nodes: new Map(), workloads: [workload], logs: new Map(), startLogs: new Map([[pod.metadata!.name!, log]]) },
      new Date("2026-03-02T10:12:00Z"),
    )!;
    expect(renderStatus(s, new Date("2026-03-02T10:12:00Z")).split("\n")[0]).toBe("experiment t4-smoke  (Job default/t4-smoke-x1, submitted by npm run exec)");
    expect(renderStatus(s, new Date("2026-03-02T10:12:00Z"))).toContain(
      "  start      admitted +5s, pod scheduled +6m 31s, image pulled +2m 24s, preflight done +12s, setup done +1m 19s, first step +22s (10m 52s to the first step)",
    );
  });
});
