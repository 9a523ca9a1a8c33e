import fc from "fast-check";
import { INSTANCES, findInstance } from "../catalog/instances";
import {
  DAEMONSET_CPU_MILLI,
  SHM_CAP_GIB,
  kubeReservedCpuMilli,
  kubeReservedMemoryMiB,
  nodeAllocatable,
  sizePod,
} from "../plan/pod-sizing";
import { mebibytes, millicores } from "../k8s/quantities";
import { podNetwork } from "../k8s/network";

const p4d = findInstance("p4d.24xlarge")!;
const g4dn = findInstance("g4dn.xlarge")!;

function sized(input: Parameters<typeof sizePod>[0]) {
  const r = sizePod(input);
  if (!r.ok) throw new Error(r.problem);
  return r.sizing;
}

describe("EKS AL2023 kube-reserved", () => {
  it("reserves memory as 255 MiB + 11 MiB per pod", () => {
    expect(kubeReservedMemoryMiB(29)).toBe(574);
    expect(kubeReservedMemoryMiB(110)).toBe(1465);
  });

  it("reserves CPU as 6% / 1% / 0.5% / 0.25% of successive cores", () => {
    expect(kubeReservedCpuMilli(1)).toBe(60);
    expect(kubeReservedCpuMilli(2)).toBe(70);
    expect(kubeReservedCpuMilli(4)).toBe(80);
    expect(kubeReservedCpuMilli(96)).toBe(80 + 230);
  });
});

describe("training pod sizing on a known instance", () => {
  it("gives a g4dn.xlarge pod what the node can spare, with a quarter of it as /dev/shm", () => {
    const s = sized({ gpusPerNode: 1, nodeGpus: 1, instance: g4dn });
    // 16 GiB * 0.93 - (255 + 11*29) - 100 - 1024 = 13539 MiB, rounded down to 64 MiB. 29 is the
    // g4dn.xlarge's ENI-based max pods, from which the AMI sizes kube-reserved.
    expect(s.memoryRequestMiB).toBe(13504);
    expect(s.memoryLimitMiB).toBe(13504);
    // 4000m - 80m kube-reserved - 1000m DaemonSets, rounded down to 100m.
    expect(s.cpuMilli).toBe(2900);
    expect(s.shmMiB).toBe(3328);
  });

  it("reserves kube-reserved memory for the row's max pods: 11 MiB per pod", () => {
    const p5 = findInstance("p5.4xlarge")!;
    expect(p5.maxPods).toBe(118);
    const fewer = nodeAllocatable({ ...p5, maxPods: 18 });
    expect(fewer.memoryMiB - nodeAllocatable(p5).memoryMiB).toBe(1100);
  });

  it("caps the default /dev/shm of a p4d.24xlarge at 64 GiB", () => {
    const s = sized({ gpusPerNode: 8, nodeGpus: 8, instance: p4d });
    expect(s.shmMiB).toBe(SHM_CAP_GIB * 1024);
    expect(s.memoryRequestMiB).toBeGreaterThan(1000 * 1024);
    // 96000m - 310m kube-reserved - 1000m DaemonSets, rounded down to 100m.
    expect(s.cpuMilli).toBe(94600);
  });

  it("splits a node by GPU share, so a half-node pod asks for half", () => {
    const full = sized({ gpusPerNode: 8, nodeGpus: 8, instance: p4d });
    const half = sized({ gpusPerNode: 4, nodeGpus: 8, instance: p4d });
    expect(half.cpuMilli).toBeLessThanOrEqual(full.cpuMilli / 2);
    expect(half.cpuMilli).toBeGreaterThan(full.cpuMilli / 2 - 100);
    expect(half.memoryRequestMiB).toBeLessThanOrEqual(full.memoryRequestMiB / 2);
  });

  it("takes experiment.shmGiB as the shm size", () => {
    expect(sized({ gpusPerNode: 8, nodeGpus: 8, instance: p4d, shmGiB: 100 }).shmMiB).toBe(102400);
  });

  it("rejects a shm size over half the pod's memory, naming the allowed maximum", () => {
    const r = sizePod({ gpusPerNode: 1, nodeGpus: 1, instance: g4dn, shmGiB: 8 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toBe("8 GiB of /dev/shm is more than half of the 13.2 GiB the pod gets on g4dn.xlarge (allowed up to 6 GiB; shm counts against the pod's memory)");
  });

  it("never asks for more than the node has, and always leaves the shm inside the memory limit (every instance, every share)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...INSTANCES), fc.integer({ min: 1, max: 8 }), (instance, g) => {
        const gpus = Math.min(g, instance.gpus);
        const s = sized({ gpusPerNode: gpus, nodeGpus: instance.gpus, instance });
        const node = nodeAllocatable(instance);
        expect(s.cpuMilli).toBeGreaterThan(0);
        expect(s.cpuMilli).toBeLessThanOrEqual(instance.vcpus * 1000 - DAEMONSET_CPU_MILLI);
        expect(s.memoryRequestMiB).toBeLessThanOrEqual(node.memoryMiB);
        expect(s.memoryLimitMiB).toBeGreaterThanOrEqual(s.memoryRequestMiB);
        expect(s.shmMiB).toBeLessThanOrEqual(s.memoryLimitMiB / 2);
        expect(s.shmMiB % 64).toBe(0);
      }),
    );
  });
});

describe("training pod sizing off AWS", () => {
  it("asks for modest per-GPU resources plus the shm, with a memory limit above the request", () => {
    const s = sized({ gpusPerNode: 4, nodeGpus: 4 });
    expect(s.cpuMilli).toBe(8000);
    expect(s.shmMiB).toBe(8 * 1024);
    expect(s.memoryRequestMiB).toBe((4 * 8 + 8) * 1024);
    expect(s.memoryLimitMiB).toBe((4 * 16 + 8) * 1024);
  });

  it("gives at least 4 GiB of shm to a small pod", () => {
    expect(sized({ gpusPerNode: 1, nodeGpus: 2 }).shmMiB).toBe(4096);
  });
});

describe("quantities", () => {
  it("writes whole GiB as Gi and whole cores as plain numbers", () => {
    expect(mebibytes(8192)).toBe("8Gi");
    expect(mebibytes(3200)).toBe("3200Mi");
    expect(millicores(8000)).toBe("8");
    expect(millicores(3400)).toBe("3400m");
    expect(() => mebibytes(0)).toThrow();
  });
});

describe("EFA and NCCL settings", () => {
  it("give a multi-node p4d pod all 4 EFA devices and GPUDirect RDMA", () => {
    const n = podNetwork({ nodes: 2, gpusPerNode: 8, nodeGpus: 8, instance: p4d, efaInterfaces: 4 });
    expect(n.efaDevices).toBe(4);
    expect(n.env).toEqual({ FI_PROVIDER: "efa", NCCL_NET: "AWS Libfabric", GTC_EFA_DEVICES: "4", FI_EFA_USE_HUGE_PAGE: "0", FI_EFA_USE_DEVICE_RDMA: "1" });
  });

  it("drop the EFA request and the FI_* environment when the plan chose TCP", () => {
    expect(podNetwork({ nodes: 2, gpusPerNode: 8, nodeGpus: 8, instance: p4d, efaInterfaces: 4, mode: "tcp" })).toEqual({ efaDevices: 0, env: {}, why: [] });
  });

  it("give a half-node pod half the interfaces", () => {
    expect(podNetwork({ nodes: 2, gpusPerNode: 4, nodeGpus: 8, instance: p4d, efaInterfaces: 4 }).efaDevices).toBe(2);
  });

  it("set no RDMA flag where the instance has EFA without GPUDirect RDMA", () => {
    const n = podNetwork({ nodes: 2, gpusPerNode: 4, nodeGpus: 4, instance: findInstance("g4dn.12xlarge")!, efaInterfaces: 1 });
    expect(n.efaDevices).toBe(1);
    expect(n.env).toEqual({ FI_PROVIDER: "efa", NCCL_NET: "AWS Libfabric", GTC_EFA_DEVICES: "1", FI_EFA_USE_HUGE_PAGE: "0" });
  });

  it("set the GPUDirect RDMA flag exactly where the instance row says so (every catalog type with EFA)", () => {
    for (const instance of INSTANCES.filter((i) => i.efaInterfaces > 0)) {
      const n = podNetwork({ nodes: 2, gpusPerNode: instance.gpus, nodeGpus: instance.gpus, instance, efaInterfaces: instance.efaInterfaces });
      expect({ type: instance.type, rdma: n.env.FI_EFA_USE_DEVICE_RDMA }).toEqual({ type: instance.type, rdma: instance.gpuDirectRdma ? "1" : undefined });
      expect(n.efaDevices).toBe(instance.efaInterfaces);
    }
  });

  it("set nothing for one node, for instances without EFA, or off AWS", () => {
    expect(podNetwork({ nodes: 1, gpusPerNode: 8, nodeGpus: 8, instance: p4d, efaInterfaces: 4 }).efaDevices).toBe(0);
    expect(podNetwork({ nodes: 2, gpusPerNode: 1, nodeGpus: 1, instance: g4dn, efaInterfaces: 0 })).toEqual({ efaDevices: 0, env: {}, why: [] });
    expect(podNetwork({ nodes: 2, gpusPerNode: 4, nodeGpus: 4, efaInterfaces: 0 }).efaDevices).toBe(0);
  });
});
