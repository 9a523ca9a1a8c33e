import {
  CNI_POLICIES,
  HYBRID_ROLE_POLICIES,
  NODE_ROLE_POLICIES,
  PolicyDocument,
  Statement,
  autoscalerPolicy,
  hybridNodesPolicy,
  hybridNodesTrust,
  managedPolicyArn,
  podIdentityTrust,
  eksClusterArn,
} from "../../components/aws/builders/iam";

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const allActions = (d: PolicyDocument) => d.Statement.flatMap(actions);

describe("IAM policy documents", () => {
  const autoscaler = autoscalerPolicy("gtc-demo", "111122223333", "eu-west-1");

  it("lets the autoscaler write only to Auto Scaling groups tagged as this cluster's", () => {
    const writes = autoscaler.Statement.filter((s) => actions(s).some((a) => /SetDesiredCapacity|TerminateInstance/.test(a)));
    expect(writes).toHaveLength(1);
    expect(writes[0].Condition).toEqual({
      StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/gtc-demo": "owned", "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true" },
    });
  });

  it("grants the autoscaler only Describe/Get actions on every resource", () => {
    const unscoped = autoscaler.Statement.filter((s) => s.Resource === "*" && !s.Condition);
    expect(unscoped.flatMap(actions).every((a) => /^(autoscaling|ec2):(Describe|Get)/.test(a))).toBe(true);
    expect(allActions(autoscaler)).not.toContain("autoscaling:*");
    expect(autoscaler.Statement.find((s) => actions(s).includes("eks:DescribeNodegroup"))?.Resource).toBe(
      "arn:aws:eks:eu-west-1:111122223333:nodegroup/gtc-demo/*/*",
    );
  });

  it("never allows wildcard actions anywhere", () => {
    const docs = [autoscaler, hybridNodesPolicy("arn:aws:eks:eu-west-1:111122223333:cluster/gtc-demo", "111122223333", "eu-west-1")];
    for (const d of docs) expect(allActions(d).filter((a) => a.includes("*"))).toEqual([]);
  });

  it("scopes the hybrid nodes role to one cluster and to machines of its own activations", () => {
    const arn = "arn:aws:eks:eu-west-1:111122223333:cluster/gtc-demo";
    const doc = hybridNodesPolicy(arn, "111122223333", "eu-west-1");
    expect(doc.Statement.find((s) => actions(s).includes("eks:DescribeCluster"))?.Resource).toBe(arn);
    const deregister = doc.Statement.find((s) => actions(s).includes("ssm:DeregisterManagedInstance"))!;
    expect(deregister.Condition).toEqual({ StringEquals: { "ssm:resourceTag/EKSClusterARN": arn } });
    expect(deregister.Resource).toBe("arn:aws:ssm:eu-west-1:111122223333:managed-instance/*");
  });

  it("denies the hybrid nodes role every Parameter Store read the SSM managed policy allows", () => {
    const doc = hybridNodesPolicy("arn:aws:eks:eu-west-1:111122223333:cluster/gtc-demo", "111122223333", "eu-west-1");
    const denies = doc.Statement.filter((s) => s.Effect === "Deny");
    expect(denies).toEqual([{ Sid: "NoParameterStore", Effect: "Deny", Action: ["ssm:GetParameter", "ssm:GetParameterHistory", "ssm:GetParameters", "ssm:GetParametersByPath"], Resource: "*" }]);
    // AmazonSSMManagedInstanceCore's own parameter actions (AWS managed policy reference) are all covered.
    for (const granted of ["ssm:GetParameter", "ssm:GetParameters"]) expect(actions(denies[0])).toContain(granted);
    expect(doc.Statement.filter((s) => s.Effect === "Allow").flatMap(actions).filter((a) => a.startsWith("ssm:GetParameter"))).toEqual([]);
  });

  it("lets only SSM of this account and region assume the hybrid nodes role", () => {
    const trust = hybridNodesTrust("111122223333", "eu-west-1");
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "ssm.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" }, ArnEquals: { "aws:SourceArn": "arn:aws:ssm:eu-west-1:111122223333:*" } },
      },
    ]);
  });

  it("trusts the Pod Identity service with the two actions it needs, for one cluster, namespace and service account", () => {
    const clusterArn = "arn:aws:eks:us-east-1:111122223333:cluster/gtc-a";
    expect(eksClusterArn("gtc-a", "111122223333", "us-east-1")).toBe(clusterArn);
    expect(podIdentityTrust({ clusterArn, namespace: "kube-system", serviceAccount: "aws-node" }).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: { "aws:RequestTag/eks-cluster-arn": clusterArn, "aws:RequestTag/kubernetes-namespace": "kube-system", "aws:RequestTag/kubernetes-service-account": "aws-node" },
        },
      },
    ]);
  });

  it("keeps the CNI policy off the node role and ECR access pull-only", () => {
    expect(NODE_ROLE_POLICIES).toEqual(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"]);
    expect(NODE_ROLE_POLICIES).not.toContain(CNI_POLICIES[0]);
    expect(HYBRID_ROLE_POLICIES).toEqual(["AmazonSSMManagedInstanceCore", "AmazonEC2ContainerRegistryPullOnly"]);
    expect(managedPolicyArn("AmazonEKS_CNI_Policy")).toBe("arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
  });
});
