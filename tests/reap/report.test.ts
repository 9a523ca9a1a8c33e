/** The printed report, word for word, and the lines --yes adds. */
import { formatMinutes } from "../../reap/decide";
import { formatTime } from "../../reap/report";
import { World, gpuJob, gpuPod, minutesAgo } from "./fakes";

function scenario(): World {
  return new World()
    .cluster("shared-cluster", {
      idle: { clusterIdleMinutes: 240 },
      lastUpdate: minutesAgo(2000),
      state: { jobs: [gpuJob("sweep-lr-3e-4", "succeeded", minutesAgo(310))], pods: [gpuPod("sweep-lr-3e-4-0", "Succeeded", { finishedAt: minutesAgo(310) })] },
    })
    .experiment("shared-t4-sweep", "shared-cluster")
    .cluster("t4-smoke", {
      lastUpdate: minutesAgo(30),
      state: { pods: [gpuPod("t4-smoke-0", "Running", { nodeName: "ip-10-0-1-5.ec2.internal" })], nodes: [{ name: "ip-10-0-1-5.ec2.internal", instanceType: "g4dn.xlarge", gpus: 1 }] },
    })
    .existing("rtx4090-existing");
}

describe("the reap report", () => {
  it("shows each stack with its idle time, last job, cost and verdict (dry run)", async () => {
    const r = await scenario().run(false);
    // Base cost of a default cluster: $0.10 control plane + $0.045 NAT + 2 x $0.096 m6i.large = $0.337/h.
    expect(r.text).toBe(
      [
        "npm run reap at 2026-11-20 12:00 UTC: dry run, nothing is destroyed (add --yes to destroy the stacks marked DESTROY)",
        "",
        "shared-cluster (cluster)  DESTROY",
        "  idle:      5h 10m (limit 240 min)",
        "  since:     2026-11-20 06:50 UTC (Job default/sweep-lr-3e-4 succeeded)",
        "  last job:  default/sweep-lr-3e-4 succeeded 2026-11-20 06:50 UTC",
        "  cost:      $0.34/h while idle (cluster base $0.34/h; no GPU nodes up); about $1.74 of base cost since it went idle",
        "  why:       no GPU work running, pending or queued in Kueue, idle 5h 10m >= the 240-min limit",
        "",
        "  shared-t4-sweep (experiment on shared-cluster)  DESTROY, before shared-cluster",
        "    why:       its cluster shared-cluster is idle and is destroyed after it (an experiment's idleness is its cluster's)",
        "",
        "t4-smoke (cluster)  KEEP",
        "  idle:      no: GPU work now",
        "  last job:  none listed",
        "  cost:      $0.86/h now (cluster base $0.34/h; 1 GPU node up $0.53/h)",
        "  why:       1 GPU pod running (default/t4-smoke-0 on ip-10-0-1-5.ec2.internal)",
        "",
        "rtx4090-existing (existing cluster)  SKIP",
        "  why:       cluster.mode is existing: the cluster is not this project's, so reap never destroys it (its Job holds no GPUs once finished; `pulumi destroy` it by hand to remove its objects)",
        "",
        "Destroy order: shared-t4-sweep, shared-cluster",
        "Dry run: nothing was destroyed; `npm run reap -- --yes` would destroy 2 stacks.",
      ].join("\n"),
    );
  });

  it("with --yes, reports each destroy in order and the count", async () => {
    const w = scenario();
    const r = await w.run(true);
    expect(r.text.split("\n").slice(-6)).toEqual([
      "Destroy order: shared-t4-sweep, shared-cluster",
      "destroying shared-t4-sweep ...",
      "destroyed shared-t4-sweep",
      "destroying shared-cluster ...",
      "destroyed shared-cluster",
      "Destroyed 2 of 2 stacks.",
    ]);
    expect(r.text.split("\n")[0]).toBe("npm run reap at 2026-11-20 12:00 UTC: destroying the stacks marked DESTROY");
    expect(w.workspace.destroyed).toEqual(["shared-t4-sweep", "shared-cluster"]);
  });

  it("says so when there is nothing deployed", async () => {
    const r = await new World().run(false);
    expect(r.text).toBe(
      ["npm run reap at 2026-11-20 12:00 UTC: dry run, nothing is destroyed (add --yes to destroy the stacks marked DESTROY)", "", "No deployed stacks of this project.", "", "Nothing to destroy."].join("\n"),
    );
  });

  it("names GPU nodes it cannot price (hybrid machines)", async () => {
    const w = new World().cluster("hybrid", { lastUpdate: minutesAgo(30), state: { nodes: [{ name: "mi-0123", gpus: 2 }] } });
    const r = await w.run(false);
    expect(r.text).toContain("cost:      $0.34/h while idle (cluster base $0.34/h; 1 GPU node up $0.00/h (1 of unknown price: mi-0123)); about $0.17 of base cost since it went idle");
  });
});

describe("formats", () => {
  it.each([
    [0, "0 min"],
    [59, "59 min"],
    [60, "1h 00m"],
    [125, "2h 05m"],
    [1439, "23h 59m"],
    [1440, "1d 0h"],
    [4560, "3d 4h"],
  ])("%i minutes read %s", (m, text) => {
    expect(formatMinutes(m)).toBe(text);
  });

  it("prints times in UTC to the minute", () => {
    expect(formatTime(new Date("2026-11-20T06:50:59.999Z"))).toBe("2026-11-20 06:50 UTC");
  });
});
