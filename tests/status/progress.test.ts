/** Reading a rank's log: progress line, throughput, smoke result, the preflight's failure line. */
import { lastRate, summarizeLog } from "../../status/progress";

describe("summarizeLog", () => {
  it("takes the last training rate, in any common unit, and keeps the line", () => {
    const s = summarizeLog("epoch 1 step 100 | 812.5 tokens/s\nepoch 1 step 200 | 1,024.0 tokens/s | loss 2.1\nsaving checkpoint\n");
    expect(s.throughput).toEqual({ value: 1024, unit: "tokens/s" });
    expect(s.progressLine).toBe("epoch 1 step 200 | 1,024.0 tokens/s | loss 2.1");
    expect(lastRate("3.5 it/s")).toEqual({ value: 3.5, unit: "it/s" });
    expect(lastRate("throughput 220 images per second")).toEqual({ value: 220, unit: "images/s" });
    expect(lastRate("all_reduce busbw 12.5 GB/s")).toBeUndefined();
  });

  it("a log without rates: its last smoke line, else its last line", () => {
    expect(summarizeLog("launch: exec python3 -m torch.distributed.run\nsmoke: all_reduce of 64.0 MiB x5: algbw 1.0 GB/s\n").progressLine).toBe("smoke: all_reduce of 64.0 MiB x5: algbw 1.0 GB/s");
    expect(summarizeLog("hello\nworld\n\n")).toMatchObject({ progressLine: "world", throughput: undefined, failureCount: 0 });
    expect(summarizeLog("").progressLine).toBeUndefined();
  });

  it("reads a teed log as the plain one: torchrun's [default<rank>]: prefix is dropped", () => {
    const s = summarizeLog("[default0]:smoke: all_reduce of 64.0 MiB x5: algbw 1.0 GB/s\n[default1]:ValueError: bad shape\n");
    expect(s.progressLine).toBe("smoke: all_reduce of 64.0 MiB x5: algbw 1.0 GB/s");
  });

  it("the smoke result: ok, problems and total throughput", () => {
    const s = summarizeLog('smoke: total 99.5 samples/s over 2 ranks\nSMOKE_RESULT {"ok": false, "problems": ["the loss is not finite"], "samples_per_s_total": 99.5, "world_size": 2}');
    expect(s.smoke).toEqual({ ok: false, problems: ["the loss is not finite"], samplesPerSecondTotal: 99.5, worldSize: 2 });
    expect(s.throughput).toEqual({ value: 99.5, unit: "samples/s" });
    expect(summarizeLog("SMOKE_RESULT {not json").smoke).toBeUndefined();
  });

  it("the first preflight or launcher error line, and how many there were", () => {
    const s = summarizeLog("preflight: warning: slow disk\npreflight: error: driver 535.1 is older than 560.28.03; fix: ...\npreflight: error: /dev/shm is 64 MiB\npreflight: failed with 2 problem(s); training not started\n");
    expect(s).toMatchObject({ failureLine: "preflight: driver 535.1 is older than 560.28.03; fix: ...", failureCount: 2 });
    expect(summarizeLog("launch: error: rank 0 host x did not resolve in 600 s\n").failureLine).toBe("launch: rank 0 host x did not resolve in 600 s");
  });
});
