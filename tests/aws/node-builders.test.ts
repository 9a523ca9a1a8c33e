import { parse } from "yaml";
import { findInstance } from "../../catalog/instances";
import { createClusterSchema } from "../../config/schema";
import { planPool } from "../../plan/pools";
import type { PoolSpec } from "../../config/spec";
import { GPU_TAINT, POOL_LABEL } from "../../config/names";
import { kubeconfig, kubeconfigYaml } from "../../components/aws/builders/kubeconfig";
import { AL2023_ROOT_DEVICE, METADATA_OPTIONS, efaNetworkInterfaces, rootVolume } from "../../components/aws/builders/launch-template";
import { EFA_LABEL, GPU_NODE_TAINT, managedNodeLabels, scaleFromZeroTags, tagSlug, usesEfa } from "../../components/aws/builders/node-groups";
import { formatLabels, nodeConfig, nodeConfigYaml } from "../../components/aws/builders/nodeadm";
import { autoscalerValues, efaPluginValues } from "../../components/aws/builders/services";
import { ADDON_VERSIONS, AUTOSCALER_CHARTS, EFA_PLUGIN_CHART } from "../../catalog/versions";

function pool(over: Partial<PoolSpec>) {
  return planPool({
    name: "p",
    gpu: "t4",
    kind: "managed",
    gpusPerNode: 1,
    minNodes: 0,
    maxNodes: 1,
    capacity: "on-demand",
    diskGiB: 200,
    nodeSelector: { [POOL_LABEL]: over.name ?? "p" },
    ...over,
  });
}

describe("managed GPU node groups", () => {
  const a100 = pool({ name: "a100", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 2 });

  it("uses EFA only where an EFA instance may run more than one node", () => {
    expect(usesEfa(a100)).toBe(true);
    expect(usesEfa(pool({ name: "a", gpu: "a100-40gb", gpusPerNode: 8, maxNodes: 1 }))).toBe(false);
    expect(usesEfa(pool({ name: "t", gpu: "t4", maxNodes: 4 }))).toBe(false); // g4dn.xlarge has no EFA
    expect(usesEfa(pool({ name: "h", gpu: "rtx4090", kind: "hybrid", maxNodes: 4 }))).toBe(false);
  });

  it("labels nodes with the shared GPU labels, the autoscaler's accelerator label and EFA", () => {
    expect(managedNodeLabels(a100)).toEqual({
      [POOL_LABEL]: "a100",
      "gpu-training-clusters.io/gpu": "a100-40gb",
      "nvidia.com/gpu.present": "true",
      "k8s.amazonaws.com/accelerator": "a100-40gb",
      [EFA_LABEL]: "true",
    });
  });

  it("spells the GPU taint the way the EKS API wants it", () => {
    expect(GPU_NODE_TAINT).toEqual({ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NO_SCHEDULE" });
  });

  it("tags the Auto Scaling group with everything a node at zero would have", () => {
    const tags = scaleFromZeroTags(a100, findInstance("p4d.24xlarge")!, "gtc-demo");
    const t = "k8s.io/cluster-autoscaler/node-template";
    expect(tags).toMatchObject({
      "k8s.io/cluster-autoscaler/enabled": "true",
      "k8s.io/cluster-autoscaler/gtc-demo": "owned",
      [`${t}/label/${POOL_LABEL}`]: "a100",
      [`${t}/label/${EFA_LABEL}`]: "true",
      [`${t}/taint/nvidia.com/gpu`]: "true:NoSchedule",
      [`${t}/resources/nvidia.com/gpu`]: "8",
      [`${t}/resources/vpc.amazonaws.com/efa`]: "4",
    });
    for (const label of Object.keys(managedNodeLabels(a100))) expect(tags[`${t}/label/${label}`]).toBeDefined();
    const t4 = scaleFromZeroTags(pool({ name: "t4" }), findInstance("g4dn.xlarge")!, "gtc-demo");
    expect(Object.keys(t4).some((k) => k.includes("efa"))).toBe(false);
  });

  it("derives distinct resource names from tag keys", () => {
    const keys = Object.keys(scaleFromZeroTags(a100, findInstance("p4d.24xlarge")!, "gtc-demo"));
    expect(new Set(keys.map(tagSlug)).size).toBe(keys.length);
    expect(tagSlug("k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu")).toBe("node-template-taint-nvidia-com-gpu");
  });
});

describe("launch templates", () => {
  it("puts the pool's disk on the AL2023 root device as encrypted gp3", () => {
    expect(rootVolume(500)).toEqual([{ deviceName: AL2023_ROOT_DEVICE, ebs: { volumeSize: 500, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
    expect(AL2023_ROOT_DEVICE).toBe("/dev/xvda");
  });

  it("keeps pods away from the instance metadata service", () => {
    expect(METADATA_OPTIONS).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
  });

  it("puts one EFA-only interface on each network card behind an ENA primary, as the EC2 guide recommends", () => {
    const nics = efaNetworkInterfaces(4, ["sg-1"]);
    expect(nics.map((n) => [n.networkCardIndex, n.deviceIndex, n.interfaceType])).toEqual([
      [0, 0, "interface"],
      [0, 1, "efa-only"],
      [1, 0, "efa-only"],
      [2, 0, "efa-only"],
      [3, 0, "efa-only"],
    ]);
    const p5 = efaNetworkInterfaces(32, []);
    expect(p5.filter((n) => n.interfaceType === "efa-only")).toHaveLength(32);
    expect(new Set(p5.map((n) => `${n.networkCardIndex}/${n.deviceIndex}`)).size).toBe(33);
    expect(() => efaNetworkInterfaces(0, [])).toThrow("at least one EFA");
  });
});

describe("nodeadm config for hybrid nodes", () => {
  const input = { clusterName: "gtc-h", region: "us-east-1", activationCode: "CODE", activationId: "ID", labels: { b: "2", a: "1" } };

  it("has the documented shape, the SSM activation and the labels and taint as kubelet flags", () => {
    const parsed = parse(nodeConfigYaml(input));
    expect(parsed).toEqual(nodeConfig(input));
    expect(parsed.apiVersion).toBe("node.eks.aws/v1alpha1");
    expect(parsed.kind).toBe("NodeConfig");
    expect(parsed.spec.cluster).toEqual({ name: "gtc-h", region: "us-east-1" });
    expect(parsed.spec.hybrid).toEqual({ ssm: { activationCode: "CODE", activationId: "ID" } });
    expect(parsed.spec.kubelet.flags).toEqual(["--node-labels=a=1,b=2", "--register-with-taints=nvidia.com/gpu=true:NoSchedule"]);
  });

  it("leaves containerd to nodeadm: no drop-in that would replace nodeadm's CRI table", () => {
    expect(Object.keys(nodeConfig(input).spec)).toEqual(["cluster", "hybrid", "kubelet"]);
    expect(nodeConfigYaml(input)).not.toContain("containerd");
  });

  it("formats labels deterministically", () => {
    expect(formatLabels({ z: "1", a: "2" })).toBe("a=2,z=1");
  });
});

describe("cluster service values", () => {
  it("configure the autoscaler from the idle policy, on the system nodes", () => {
    const v = autoscalerValues({ clusterName: "gtc-x", region: "eu-west-1", nodeIdleMinutes: 7 });
    expect(v.autoDiscovery.clusterName).toBe("gtc-x");
    expect(v.awsRegion).toBe("eu-west-1");
    expect(v.extraArgs).toEqual({
      "scale-down-unneeded-time": "7m",
      "scale-down-delay-after-add": "7m",
      "scale-down-delay-type-local": "true",
      "skip-nodes-with-local-storage": "false",
      "skip-nodes-with-system-pods": "true",
      expander: "least-waste",
      "balance-similar-node-groups": "true",
    });
    expect(v.nodeSelector).toEqual({ "gpu-training-clusters.io/role": "system" });
  });

  it("put the EFA plugin on EFA nodes despite their GPU taint", () => {
    expect(efaPluginValues()).toEqual({ nodeSelector: { [EFA_LABEL]: "true" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }] });
  });
});

describe("kubeconfig", () => {
  it("authenticates with aws eks get-token and embeds no credential", () => {
    const input = { clusterName: "gtc-k", region: "ap-south-1", endpoint: "https://x.eks.amazonaws.com", certificateAuthorityData: "Q0E=" };
    const parsed = parse(kubeconfigYaml(input));
    expect(parsed).toEqual(kubeconfig(input));
    expect(parsed.users[0].user.exec.command).toBe("aws");
    expect(parsed.users[0].user.exec.args).toEqual(["eks", "get-token", "--cluster-name", "gtc-k", "--region", "ap-south-1", "--output", "json"]);
    expect(parsed.users[0].user.token).toBeUndefined();
    expect(parsed.clusters[0].cluster).toEqual({ server: "https://x.eks.amazonaws.com", "certificate-authority-data": "Q0E=" });
  });
});

describe("pinned versions", () => {
  const k8sVersions = createClusterSchema.shape.kubernetesVersion.unwrap().options;

  it("cover every Kubernetes version the schema accepts, with no 'latest'", () => {
    expect(Object.keys(ADDON_VERSIONS).sort()).toEqual([...k8sVersions].sort());
    expect(Object.keys(AUTOSCALER_CHARTS).sort()).toEqual([...k8sVersions].sort());
    for (const v of k8sVersions) for (const version of Object.values(ADDON_VERSIONS[v])) expect(version).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
  });

  it("match kube-proxy and the autoscaler to the cluster's minor version", () => {
    for (const v of k8sVersions) {
      expect(ADDON_VERSIONS[v]["kube-proxy"].startsWith(`v${v}.`)).toBe(true);
      expect(AUTOSCALER_CHARTS[v].appVersion.startsWith(`${v}.`)).toBe(true);
      expect(AUTOSCALER_CHARTS[v].version).toMatch(/^9\.\d+\.\d+$/);
    }
    expect(EFA_PLUGIN_CHART).toMatchObject({ chart: "aws-efa-k8s-device-plugin", repository: "https://aws.github.io/eks-charts", version: "v0.5.30" });
  });
});
