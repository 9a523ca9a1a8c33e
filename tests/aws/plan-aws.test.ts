/**
 * The AWS resources each example stack plans, read from the offline plan (the real program under
 * Pulumi's mocks). The mocks name a node group's Auto Scaling group `eks-<resource name>-asg`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { findInstance } from "../../catalog/instances";
import { POOL_LABEL } from "../../config/names";
import { EFA_PLUGIN_CHART, AUTOSCALER_CHARTS } from "../../catalog/versions";
import { RawPlan, countsByType, only, planWithRawOutputs, resourcesOf } from "./helpers";

const NG = "aws:eks/nodeGroup:NodeGroup";
const TAG = "aws:autoscaling/tag:Tag";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const plans: Record<string, RawPlan> = {};

beforeAll(async () => {
  for (const stack of ["t4-smoke", "a100-8gpu", "a100-2x8", "rtx4090-hybrid", "shared-cluster", "shared-t4-sweep", "rtx4090-existing"]) {
    plans[stack] = await planWithRawOutputs(stack, ["kubeconfig", "hybridNodeConfigs"]);
  }
}, 120_000);

// Recorded inputs are untyped JSON; the assertions below are the type check.
type Inputs = Record<string, any>;
const inputs = (r: { inputs: Record<string, unknown> }) => r.inputs as Inputs;

function asgTags(stack: string, nodeGroupResource: string): Record<string, string> {
  const asg = `eks-${nodeGroupResource}-asg`;
  return Object.fromEntries(
    resourcesOf(plans[stack].run, TAG)
      .filter((t) => inputs(t).autoscalingGroupName === asg)
      .map((t) => {
        expect(inputs(t).tag.propagateAtLaunch).toBe(false);
        return [inputs(t).tag.key, inputs(t).tag.value];
      }),
  );
}

describe("the EKS cluster", () => {
  it("encrypts Secrets with the customer-managed key given, and keeps the logs as long as asked", async () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.t4-smoke.yaml"), "utf8");
    expect(text).toContain("    mode: create\n");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gtc-kms-")), "Pulumi.t4-kms.yaml");
    fs.writeFileSync(file, text.replace("    mode: create\n", `    mode: create\n    secretsKmsKeyArn: ${key}\n    controlPlaneLogs: { retentionDays: 365 }\n`));
    const { run } = await planWithRawOutputs(file);
    expect(inputs(only(run, "aws:eks/cluster:Cluster")).encryptionConfig).toEqual({ resources: ["secrets"], provider: { keyArn: key } });
    expect(inputs(only(run, "aws:cloudwatch/logGroup:LogGroup"))).toMatchObject({ name: "/aws/eks/gtc-t4-kms/cluster", retentionInDays: 365 });
  });

  it.each(["t4-smoke", "a100-8gpu"])("%s: every Pod Identity role admits only its own cluster, namespace and service account", (stack) => {
    const trusts = resourcesOf(plans[stack].run, "aws:iam/role:Role")
      .map((r) => ({ name: r.name, trust: JSON.parse(inputs(r).assumeRolePolicy) }))
      .filter((r) => r.trust.Statement.some((st: any) => st.Principal?.Service === "pods.eks.amazonaws.com"));
    const scoped = Object.fromEntries(
      trusts.map(({ name, trust }) => {
        expect(trust.Statement).toHaveLength(1);
        const tags = trust.Statement[0].Condition.StringEquals;
        expect(tags["aws:RequestTag/eks-cluster-arn"]).toBe(`arn:aws:eks:us-east-1:123456789012:cluster/gtc-${stack}`);
        return [name.replace(`${stack}-`, ""), `${tags["aws:RequestTag/kubernetes-namespace"]}/${tags["aws:RequestTag/kubernetes-service-account"]}`];
      }),
    );
    expect(scoped).toEqual({
      "cluster-cni-role": "kube-system/aws-node",
      "csi-s3-role": "kube-system/s3-csi-driver-sa",
      "autoscaler-role": "kube-system/cluster-autoscaler",
      "logs-role": "amazon-cloudwatch/cloudwatch-agent",
      // The experiment's own S3 role (a100-8gpu mounts S3): its namespace and the account its pods run as.
      ...(stack === "a100-8gpu" ? { "identity-role": "a100-8gpu/training" } : {}),
    });
  });

  it.each(["t4-smoke", "a100-8gpu", "a100-2x8", "rtx4090-hybrid", "shared-cluster"])("%s: API authentication, pinned version, endpoint access", (stack) => {
    const cluster = inputs(only(plans[stack].run, "aws:eks/cluster:Cluster"));
    expect(cluster.name).toBe(`gtc-${stack}`);
    expect(cluster.version).toBe("1.35");
    expect(cluster.upgradePolicy).toEqual({ supportType: "STANDARD" });
    expect(cluster.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
    // Hybrid nodes: public or private endpoint access, not both (the example is public only).
    expect(cluster.vpcConfig).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: stack !== "rtx4090-hybrid", publicAccessCidrs: ["0.0.0.0/0"] });
    expect(cluster.kubernetesNetworkConfig).toEqual({ ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" });
    // Audit and authenticator logs into a group of ours, with a retention, made before the cluster.
    expect(cluster.enabledClusterLogTypes).toEqual(["audit", "authenticator"]);
    const logs = only(plans[stack].run, "aws:cloudwatch/logGroup:LogGroup");
    expect(inputs(logs)).toMatchObject({ name: `/aws/eks/gtc-${stack}/cluster`, retentionInDays: 90 });
    expect(cluster.encryptionConfig).toBeUndefined();
    const addons = resourcesOf(plans[stack].run, "aws:eks/addon:Addon").map((a) => [inputs(a).addonName, inputs(a).addonVersion]);
    expect(Object.fromEntries(addons)).toEqual({
      "vpc-cni": "v1.21.1-eksbuild.7",
      "kube-proxy": "v1.35.3-eksbuild.2",
      coredns: "v1.13.2-eksbuild.4",
      "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
      "aws-mountpoint-s3-csi-driver": "v2.3.0-eksbuild.1",
      "aws-fsx-csi-driver": "v1.7.0-eksbuild.1",
      "amazon-cloudwatch-observability": "v6.7.0-eksbuild.1",
    });
    // Container logs: the add-on's own Pod Identity role with the policy the CloudWatch guide names,
    // and the retention in its Fluent Bit output.
    const cloudWatch = inputs(resourcesOf(plans[stack].run, "aws:eks/addon:Addon").find((a) => inputs(a).addonName === "amazon-cloudwatch-observability")!);
    expect(cloudWatch.podIdentityAssociations).toEqual([expect.objectContaining({ serviceAccount: "cloudwatch-agent" })]);
    expect(JSON.parse(cloudWatch.configurationValues).containerLogs.fluentBit.config.extraFiles["application-log.conf"]).toMatch(/log_retention_days\s+30\n/);
    const attachments = resourcesOf(plans[stack].run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => inputs(a).policyArn);
    expect(attachments).toContain("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy");
  });

  it("spreads subnets over the configured zones with the tags load balancers need", () => {
    const subnets = resourcesOf(plans["shared-cluster"].run, "aws:ec2/subnet:Subnet").map(inputs);
    expect(subnets).toHaveLength(6);
    expect(new Set(subnets.map((s) => s.availabilityZone))).toEqual(new Set(["us-east-1b", "us-east-1c", "us-east-1d"]));
    const pub = subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1");
    const priv = subnets.filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1");
    expect([pub.length, priv.length]).toEqual([3, 3]);
    for (const s of subnets) expect(s.tags["kubernetes.io/cluster/gtc-shared-cluster"]).toBe("shared");
    expect(resourcesOf(plans["shared-cluster"].run, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(inputs(only(plans["shared-cluster"].run, "aws:ec2/vpc:Vpc"))).toMatchObject({ cidrBlock: "10.0.0.0/16", enableDnsHostnames: true });
  });

  it("runs a small on-demand CPU node group for system pods", () => {
    const system = inputs(only(plans["t4-smoke"].run, NG, "cluster-system"));
    expect(system).toMatchObject({ amiType: "AL2023_x86_64_STANDARD", instanceTypes: ["m6i.large"], capacityType: "ON_DEMAND", scalingConfig: { minSize: 2, maxSize: 2, desiredSize: 2 } });
    expect(system.taints).toBeUndefined();
  });
});

describe("GPU node groups", () => {
  it.each([
    ["t4-smoke", "t4", "g4dn.xlarge"],
    ["a100-8gpu", "a100", "p4d.24xlarge"],
    ["a100-2x8", "a100", "p4d.24xlarge"],
    ["shared-cluster", "t4", "g4dn.xlarge"],
    ["shared-cluster", "a100", "p4d.24xlarge"],
  ])("%s pool %s: %s on the NVIDIA AMI, from zero, tainted and labelled", (stack, poolName, type) => {
    const resourceName = `${stack}-pool-${poolName}-ng`;
    const ng = inputs(only(plans[stack].run, NG, resourceName));
    const pool = plans[stack].run.plan.pools.find((p) => p.name === poolName)!;
    expect(ng.amiType).toBe("AL2023_x86_64_NVIDIA");
    expect(ng.instanceTypes).toEqual([type]);
    expect(ng.scalingConfig).toEqual({ minSize: 0, desiredSize: 0, maxSize: pool.maxNodes });
    expect(ng.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
    expect(ng.labels).toMatchObject({ [POOL_LABEL]: poolName, "gpu-training-clusters.io/gpu": pool.gpu, "nvidia.com/gpu.present": "true" });
    expect(ng.capacityType).toBe(stack === "shared-cluster" && poolName === "t4" ? "SPOT" : "ON_DEMAND");

    const tags = asgTags(stack, resourceName);
    const t = "k8s.io/cluster-autoscaler/node-template";
    expect(tags["k8s.io/cluster-autoscaler/enabled"]).toBe("true");
    expect(tags[`k8s.io/cluster-autoscaler/gtc-${stack}`]).toBe("owned");
    expect(tags[`${t}/resources/nvidia.com/gpu`]).toBe(String(findInstance(type)!.gpus));
    expect(tags[`${t}/taint/nvidia.com/gpu`]).toBe("true:NoSchedule");
    for (const [k, v] of Object.entries(ng.labels as Record<string, string>)) expect(tags[`${t}/label/${k}`]).toBe(v);

    const lt = inputs(only(plans[stack].run, "aws:ec2/launchTemplate:LaunchTemplate", `${stack}-pool-${poolName}-lt`));
    expect(lt.blockDeviceMappings).toEqual([{ deviceName: "/dev/xvda", ebs: expect.objectContaining({ volumeSize: pool.diskGiB, volumeType: "gp3" }) }]);
    expect(ng.launchTemplate).toEqual({ id: `${stack}-pool-${poolName}-lt-id`, version: "1" });
  });

  it("gives the 2-node A100 pool every EFA interface, a placement group, one zone and the EFA plugin", () => {
    const run = plans["a100-2x8"].run;
    const lt = inputs(only(run, "aws:ec2/launchTemplate:LaunchTemplate", "pool-a100-lt"));
    expect(lt.networkInterfaces).toHaveLength(5);
    expect(lt.networkInterfaces.map((n: Inputs) => [n.interfaceType, n.networkCardIndex, n.deviceIndex])).toEqual([
      ["interface", 0, 0],
      ["efa-only", 0, 1],
      ["efa-only", 1, 0],
      ["efa-only", 2, 0],
      ["efa-only", 3, 0],
    ]);
    for (const n of lt.networkInterfaces) expect(n.securityGroups).toEqual(["sg-a100-2x8-cluster-eks", "a100-2x8-pool-a100-efa-sg-id"]);
    expect(inputs(only(run, "aws:ec2/placementGroup:PlacementGroup")).strategy).toBe("cluster");
    expect(lt.placement).toEqual({ groupName: "a100-2x8-pool-a100-placement" });
    // One subnet of the existing VPC, in a zone that offers p4d.24xlarge (tools/mocks.ts).
    expect(inputs(only(run, NG, "pool-a100-ng")).subnetIds).toEqual(["subnet-0a1b2c3d4e5f60002"]);
    const selfRules = [...resourcesOf(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "efa"), ...resourcesOf(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")];
    expect(selfRules.map((r) => [inputs(r).securityGroupId, inputs(r).referencedSecurityGroupId, inputs(r).ipProtocol])).toEqual([
      ["a100-2x8-pool-a100-efa-sg-id", "a100-2x8-pool-a100-efa-sg-id", "-1"],
      ["a100-2x8-pool-a100-efa-sg-id", "a100-2x8-pool-a100-efa-sg-id", "-1"],
    ]);
    expect(asgTags("a100-2x8", "a100-2x8-pool-a100-ng")["k8s.io/cluster-autoscaler/node-template/resources/vpc.amazonaws.com/efa"]).toBe("4");
    const plugin = inputs(only(run, RELEASE, "efa-plugin"));
    expect(plugin).toMatchObject({ chart: "aws-efa-k8s-device-plugin", version: EFA_PLUGIN_CHART.version, repositoryOpts: { repo: "https://aws.github.io/eks-charts" } });
    expect(plugin.values.tolerations).toContainEqual({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" });
    expect(inputs(only(run, NG, "pool-a100-ng")).labels["gpu-training-clusters.io/efa"]).toBe(plugin.values.nodeSelector["gpu-training-clusters.io/efa"]);
  });

  it("gives the single-node A100 pool neither EFA nor a placement group", () => {
    const run = plans["a100-8gpu"].run;
    expect(inputs(only(run, "aws:ec2/launchTemplate:LaunchTemplate", "pool-a100-lt")).networkInterfaces).toBeUndefined();
    expect(resourcesOf(run, "aws:ec2/placementGroup:PlacementGroup")).toEqual([]);
    expect(resourcesOf(run, RELEASE, "efa-plugin")).toEqual([]);
  });
});

describe("cluster-autoscaler", () => {
  it.each(["t4-smoke", "a100-8gpu", "a100-2x8", "shared-cluster"])("%s: pinned chart, idle time from the stack", (stack) => {
    const release = inputs(only(plans[stack].run, RELEASE, "autoscaler"));
    expect(release).toMatchObject({ chart: "cluster-autoscaler", version: AUTOSCALER_CHARTS["1.35"].version, namespace: "kube-system" });
    expect(release.values.extraArgs["scale-down-unneeded-time"]).toBe(`${plans[stack].run.plan.idle.nodeIdleMinutes}m`);
    expect(release.values.autoDiscovery.clusterName).toBe(`gtc-${stack}`);
    const identity = inputs(only(plans[stack].run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "autoscaler"));
    expect(identity).toMatchObject({ namespace: "kube-system", serviceAccount: release.values.rbac.serviceAccount.name });
  });

  it("follows a non-default idle time", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-idle-"));
    const file = path.join(dir, "Pulumi.idle-nine.yaml");
    fs.writeFileSync(file, ["config:", "  aws:region: eu-west-1", "  gpu-training-clusters:nodePools:", "    - { name: t4, gpu: t4 }", "  gpu-training-clusters:idle:", "    nodeIdleMinutes: 9", ""].join("\n"));
    const { run } = await planWithRawOutputs(file);
    const release = inputs(only(run, RELEASE, "autoscaler"));
    expect(release.values.extraArgs["scale-down-unneeded-time"]).toBe("9m");
    expect(release.values.awsRegion).toBe("eu-west-1");
  });

  it("is absent where no managed pool needs scaling", () => {
    const charts = resourcesOf(plans["rtx4090-hybrid"].run, RELEASE).map((r) => inputs(r).chart);
    expect(charts).not.toContain("cluster-autoscaler");
  });
});

describe("EKS Hybrid Nodes (rtx4090-hybrid)", () => {
  const run = () => plans["rtx4090-hybrid"].run;

  it("declares the remote networks on the cluster and opens the API to them", () => {
    const cluster = inputs(only(run(), "aws:eks/cluster:Cluster"));
    expect(cluster.remoteNetworkConfig).toEqual({ remoteNodeNetworks: { cidrs: ["192.168.10.0/24"] }, remotePodNetworks: { cidrs: ["192.168.64.0/18"] } });
    const sg = inputs(only(run(), "aws:ec2/securityGroup:SecurityGroup", "hybrid-sg"));
    expect(sg.ingress).toEqual([expect.objectContaining({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["192.168.10.0/24", "192.168.64.0/18"] })]);
    expect(cluster.vpcConfig.securityGroupIds).toEqual(["rtx4090-hybrid-cluster-hybrid-sg-id"]);
  });

  it("registers the machines with an SSM activation and lets them in as HYBRID_LINUX", () => {
    const role = only(run(), "aws:iam/role:Role", "hybrid-role");
    expect(JSON.parse(inputs(role).assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "ssm.amazonaws.com" });
    const activation = inputs(only(run(), "aws:ssm/activation:Activation"));
    expect(activation).toMatchObject({ iamRole: "rtx4090-hybrid-hybrid-role", registrationLimit: 2 });
    expect(activation.tags.EKSClusterARN).toBe("arn:aws:eks:us-east-1:123456789012:cluster/gtc-rtx4090-hybrid");
    // SSM's 24-hour default, not a date from a clock that would change on every `pulumi up`; the plan says so.
    expect(activation.expirationDate).toBeUndefined();
    expect(run().text).toContain("joins: an SSM hybrid activation registers up to 2 machines within 24 h of its creation; after that it admits no machine");
    const policy = JSON.parse(inputs(only(run(), "aws:iam/rolePolicy:RolePolicy", "hybrid-role-policy")).policy);
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Effect: "Deny", Action: expect.arrayContaining(["ssm:GetParameter", "ssm:GetParameters"]) }));
    expect(inputs(only(run(), "aws:eks/accessEntry:AccessEntry"))).toMatchObject({ type: "HYBRID_LINUX", principalArn: expect.stringContaining("hybrid-role") });
    const attached = resourcesOf(run(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "hybrid-role").map((a) => inputs(a).policyArn);
    expect(attached.sort()).toEqual(["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
  });

  it("outputs each pool's nodeadm config, as a secret, with the labels and the GPU taint", () => {
    expect(run().json.outputs.hybridNodeConfigs).toBe("[secret]");
    expect(JSON.stringify(run().json)).not.toContain("mock-activation-code");
    const configs = plans["rtx4090-hybrid"].raw.hybridNodeConfigs as Record<string, string>;
    expect(Object.keys(configs)).toEqual(["rtx4090"]);
    const config = parse(configs.rtx4090);
    expect(config).toMatchObject({ apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { cluster: { name: "gtc-rtx4090-hybrid", region: "us-east-1" } } });
    expect(config.spec.hybrid.ssm).toEqual({ activationCode: "mock-activation-code", activationId: "rtx4090-hybrid-hybrid-rtx4090-id" });
    expect(config.spec.kubelet.flags).toEqual([
      "--node-labels=gpu-training-clusters.io/gpu=rtx4090,gpu-training-clusters.io/pool=rtx4090,nvidia.com/gpu.present=true",
      "--register-with-taints=nvidia.com/gpu=true:NoSchedule",
    ]);
  });

  it("routes the remote networks through a given Transit Gateway", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gtc-tgw-"));
    const file = path.join(dir, "Pulumi.tgw.yaml");
    const stack = fs.readFileSync(path.join(__dirname, "../../stacks/Pulumi.rtx4090-hybrid.yaml"), "utf8");
    fs.writeFileSync(file, stack.replace('remotePodCidrs: ["192.168.64.0/18"]', 'remotePodCidrs: ["192.168.64.0/18"]\n      transitGatewayId: tgw-0123456789abcdef0'));
    const { run: tgw } = await planWithRawOutputs(file);
    expect(inputs(only(tgw, "aws:ec2transitgateway/vpcAttachment:VpcAttachment"))).toMatchObject({
      transitGatewayId: "tgw-0123456789abcdef0",
      subnetIds: ["tgw-network-private-0-id", "tgw-network-private-1-id"],
    });
    const routes = resourcesOf(tgw, "aws:ec2/route:Route", "onprem").map((r) => [inputs(r).routeTableId, inputs(r).destinationCidrBlock, inputs(r).transitGatewayId]);
    expect(routes).toEqual([
      ["tgw-network-private-rt-0-id", "192.168.10.0/24", "tgw-0123456789abcdef0"],
      ["tgw-network-private-rt-0-id", "192.168.64.0/18", "tgw-0123456789abcdef0"],
    ]);
    expect(resourcesOf(run(), "aws:ec2transitgateway/vpcAttachment:VpcAttachment")).toEqual([]);
  });

  it("creates no node group, launch template or autoscaler for the hybrid pool", () => {
    expect(resourcesOf(run(), NG).map((r) => r.name)).toEqual(["rtx4090-hybrid-cluster-system"]);
    expect(resourcesOf(run(), TAG)).toEqual([]);
  });
});

describe("least privilege and secrets", () => {
  it("keeps the kubeconfig secret in outputs and in the provider's inputs", () => {
    for (const stack of ["t4-smoke", "a100-2x8", "rtx4090-hybrid"]) {
      const { run, raw } = plans[stack];
      expect(run.json.outputs.kubeconfig).toBe("[secret]");
      expect(inputs(only(run, "pulumi:providers:kubernetes")).kubeconfig).toBe("[secret]");
      expect(JSON.stringify(run.json)).not.toContain("get-token");
      const kubeconfig = parse(raw.kubeconfig as string);
      expect(kubeconfig.users[0].user.exec.args).toEqual(["eks", "get-token", "--cluster-name", `gtc-${stack}`, "--region", "us-east-1", "--output", "json"]);
      expect(run.json.outputs).toMatchObject({ clusterName: `gtc-${stack}` });
      // No driver role for reuse stacks to attach grants to: each has its own (components/aws/experiment-identity.ts).
      expect(run.json.outputs.s3CsiRoleName).toBeUndefined();
    }
  });

  it("gives nodes only the worker and ECR pull policies, and the CNI policy only to aws-node", () => {
    const run = plans["t4-smoke"].run;
    const attachments = resourcesOf(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => [inputs(a).role, inputs(a).policyArn.split("/").pop()]);
    expect(attachments.filter(([role]) => role.endsWith("node-role")).map(([, p]) => p).sort()).toEqual(["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy"]);
    expect(attachments.filter(([, p]) => p === "AmazonEKS_CNI_Policy").map(([role]) => role)).toEqual(["t4-smoke-cluster-cni-role"]);
    const cni = inputs(only(run, "aws:eks/addon:Addon", "vpc-cni"));
    expect(cni.podIdentityAssociations).toEqual([{ roleArn: expect.stringContaining("cni-role"), serviceAccount: "aws-node" }]);
  });

  it("gives the S3 CSI role to s3-csi-driver-sa with no bucket access; each experiment's own role grants its prefixes to its namespace", () => {
    const cluster = plans["shared-cluster"].run;
    const s3 = inputs(only(cluster, "aws:eks/addon:Addon", "csi-s3"));
    expect(s3.podIdentityAssociations).toEqual([{ roleArn: expect.stringContaining("csi-s3-role"), serviceAccount: "s3-csi-driver-sa" }]);
    const onRole = (run: typeof cluster, role: string) =>
      [...resourcesOf(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"), ...resourcesOf(run, "aws:iam/rolePolicy:RolePolicy")].filter((r) => inputs(r).role === role);
    expect(onRole(cluster, "shared-cluster-csi-s3-role")).toEqual([]);
    const experiment = plans["a100-8gpu"].run;
    expect(onRole(experiment, "a100-8gpu-csi-s3-role")).toEqual([]);
    // The a100-8gpu experiment's own role grants exactly its dataset prefix, read-only, to its namespace's ServiceAccount.
    const granted = onRole(experiment, "a100-8gpu-identity-role");
    expect(granted.map((r) => r.name)).toEqual(["a100-8gpu-identity-s3"]);
    expect(String(inputs(granted[0]).policy)).not.toMatch(/s3:PutObject|s3:DeleteObject|"s3:\*"/);
    expect(inputs(only(experiment, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "identity-association"))).toMatchObject({ namespace: "a100-8gpu", serviceAccount: "training", clusterName: "gtc-a100-8gpu" });
  });

  it("keeps pods off the instance metadata service on every node", () => {
    for (const lt of resourcesOf(plans["shared-cluster"].run, "aws:ec2/launchTemplate:LaunchTemplate")) {
      expect(inputs(lt).metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    }
  });
});

describe("stacks on someone else's cluster", () => {
  it.each(["shared-t4-sweep", "rtx4090-existing"])("%s creates no AWS resources", (stack) => {
    const types = Object.keys(countsByType(plans[stack].run));
    expect(types.filter((t) => t.startsWith("aws:"))).toEqual([]);
    expect(types.filter((t) => t.startsWith("gpu-training-clusters:aws:"))).toEqual([]);
    expect(types).toContain("pulumi:providers:kubernetes");
  });
});
