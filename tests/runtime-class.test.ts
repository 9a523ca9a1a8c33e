/**
 * RuntimeClass for GPU pods where the NVIDIA runtime is not containerd's default: hybrid nodes
 * (nvidia-ctk registers an `nvidia` handler beside runc) and existing clusters such as k3s.
 */
import { readLauncherFiles } from "../components/launcher-files";
import { devicePluginValues } from "../k8s/device-plugin";
import { buildExperimentObjects, experimentInput } from "../k8s/experiment";
import { NVIDIA_RUNTIME_CLASS, clusterNeedsNvidiaRuntimeClass, devicePluginRuntimeClass, nvidiaRuntimeClass, trainingRuntimeClass } from "../k8s/runtime-class";
import { buildPlan } from "../plan/plan";
import { load, problemsOf } from "./helpers/config";
import { runParts } from "./helpers/experiment";

const HYBRID = {
  cluster: { mode: "create", endpoint: { privateAccess: false }, hybrid: { remoteNodeCidrs: ["192.168.10.0/24"] } },
  nodePools: [
    { name: "rtx", gpu: "rtx4090", kind: "hybrid", gpusPerNode: 2, driverVersion: "575.64.03" },
    { name: "t4", gpu: "t4" },
  ],
};
const EXISTING = (extra: Record<string, unknown> = {}) => ({
  cluster: { mode: "existing", ...extra },
  nodePools: [{ name: "rtx", gpu: "rtx4090", gpusPerNode: 4, driverVersion: "570.172.08" }],
  experiment: { name: "bert", pool: "rtx" },
});

function podSpec(config: Record<string, unknown>) {
  const spec = load(config);
  const plan = buildPlan(spec);
  return runParts(buildExperimentObjects(experimentInput(spec, plan, readLauncherFiles()))).pod;
}

describe("the nvidia RuntimeClass", () => {
  it("names the handler nvidia-ctk registers", () => {
    expect(nvidiaRuntimeClass()).toMatchObject({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "nvidia" }, handler: "nvidia" });
  });

  it("is created, and used by the device plugin, only where hybrid nodes join the cluster", () => {
    const hybrid = load(HYBRID);
    expect(clusterNeedsNvidiaRuntimeClass(hybrid)).toBe(true);
    expect(devicePluginRuntimeClass(hybrid)).toBe(NVIDIA_RUNTIME_CLASS);
    const managed = load({ cluster: { mode: "create" }, nodePools: [{ name: "t4", gpu: "t4" }] });
    expect(clusterNeedsNvidiaRuntimeClass(managed)).toBe(false);
    expect(devicePluginRuntimeClass(managed)).toBeUndefined();
  });

  it("is given to training pods on hybrid pools, not on managed ones (NVIDIA is the AMI's default runtime)", () => {
    expect(podSpec({ ...HYBRID, experiment: { name: "vit", pool: "rtx", gpusPerNode: 2 } }).runtimeClassName).toBe("nvidia");
    expect(podSpec({ ...HYBRID, experiment: { name: "vit", pool: "t4" } }).runtimeClassName).toBeUndefined();
    expect(trainingRuntimeClass({ cluster: { mode: "reuse", stack: "x" } }, "hybrid")).toBe("nvidia");
  });
});

describe("cluster.runtimeClassName on existing clusters (k3s)", () => {
  it("reaches the training pods and the device plugin values", () => {
    const spec = load(EXISTING({ runtimeClassName: "nvidia" }));
    expect(podSpec(EXISTING({ runtimeClassName: "nvidia" })).runtimeClassName).toBe("nvidia");
    expect(devicePluginValues(devicePluginRuntimeClass(spec)).runtimeClassName).toBe("nvidia");
    expect(clusterNeedsNvidiaRuntimeClass(spec)).toBe(false); // the cluster owns its RuntimeClass
  });

  it("is absent by default", () => {
    expect(podSpec(EXISTING()).runtimeClassName).toBeUndefined();
    expect(devicePluginValues()).not.toHaveProperty("runtimeClassName");
  });

  it("must be a valid object name", () => {
    expect(problemsOf(() => load(EXISTING({ runtimeClassName: "Nvidia_Runtime" })))[0]).toMatch(/^cluster\.runtimeClassName: must be a DNS-1123 subdomain/);
  });

  it("is only known to existing clusters", () => {
    expect(problemsOf(() => load({ cluster: { mode: "create", runtimeClassName: "nvidia" } }))[0]).toMatch(/^cluster\.runtimeClassName: unknown key/);
  });
});
