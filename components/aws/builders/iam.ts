/**
 * IAM policy documents as plain data, so every permission the program grants is visible here and
 * asserted by tests (no getPolicyDocument invoke, no JSON hidden in a provider call).
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

const doc = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

export function managedPolicyArn(name: string, partition = "aws"): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/** Trust policy for a role an AWS service assumes. */
export function serviceTrust(service: string, actions: string[] = ["sts:AssumeRole"]): PolicyDocument {
  return doc({ Effect: "Allow", Principal: { Service: service }, Action: actions });
}

/** Who may use a Pod Identity role: one service account, in one namespace, of one cluster. */
export interface PodIdentityScope {
  readonly clusterArn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** The namespace of the EKS add-ons' service accounts (aws-node, s3-csi-driver-sa). */
export const ADDON_NAMESPACE = "kube-system";

/**
 * EKS Pod Identity roles: the agent assumes them with sts:AssumeRole and sts:TagSession, and tags
 * the session with the pod's cluster, namespace and service account; the trust policy admits only
 * the one the role is for, with the request-tag conditions the EKS guide documents
 * (`aws:RequestTag/eks-cluster-arn`, `aws:RequestTag/kubernetes-namespace`,
 * `aws:RequestTag/kubernetes-service-account`:
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html). So an association made on
 * another cluster, or for another service account, to this role cannot obtain its credentials.
 */
export function podIdentityTrust(scope: PodIdentityScope): PolicyDocument {
  return doc({
    Effect: "Allow",
    Principal: { Service: "pods.eks.amazonaws.com" },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Condition: {
      StringEquals: {
        "aws:RequestTag/eks-cluster-arn": scope.clusterArn,
        "aws:RequestTag/kubernetes-namespace": scope.namespace,
        "aws:RequestTag/kubernetes-service-account": scope.serviceAccount,
      },
    },
  });
}

/** The ARN of an EKS cluster (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html, resource type cluster). */
export function eksClusterArn(clusterName: string, accountId: string, region: string, partition = "aws"): string {
  return `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`;
}

/** Managed policies of the cluster role: https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html */
export const CLUSTER_ROLE_POLICIES = ["AmazonEKSClusterPolicy"] as const;

/**
 * Managed policies of the node role, and why each is there:
 * - AmazonEKSWorkerNodePolicy: the kubelet describes its instance and the cluster, and the Pod
 *   Identity agent on the node calls eks-auth:AssumeRoleForPodIdentity.
 * - AmazonEC2ContainerRegistryPullOnly: pulling the EKS add-on images (pause, CNI, CSI drivers)
 *   from ECR; narrower than ...ReadOnly (no repository listing).
 * AmazonEKS_CNI_Policy is deliberately NOT here: the VPC CNI gets it through Pod Identity on its
 * own service account (aws-node), so no pod on the node can borrow ENI-management rights from
 * the instance profile. https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
 */
export const NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"] as const;

/** Given to the aws-node service account only. https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html */
export const CNI_POLICIES = ["AmazonEKS_CNI_Policy"] as const;

/**
 * Managed policies of the hybrid nodes role (EKS Hybrid Nodes with SSM hybrid activations):
 * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-creds.html
 */
export const HYBRID_ROLE_POLICIES = ["AmazonSSMManagedInstanceCore", "AmazonEC2ContainerRegistryPullOnly"] as const;

/**
 * SSM assumes the hybrid nodes role on behalf of the registered machines; the conditions keep
 * other accounts' activations from using it (same source as above).
 */
export function hybridNodesTrust(accountId: string, region: string, partition = "aws"): PolicyDocument {
  return doc({
    Effect: "Allow",
    Principal: { Service: "ssm.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": accountId },
      ArnEquals: { "aws:SourceArn": `arn:${partition}:ssm:${region}:${accountId}:*` },
    },
  });
}

/** The activation tag that binds managed instances to this cluster (see hybridNodesPolicy). */
export const ACTIVATION_CLUSTER_TAG = "EKSClusterARN";

/**
 * Parameter Store reads the hybrid role never needs: AmazonSSMManagedInstanceCore allows
 * ssm:GetParameter and ssm:GetParameters on "*" (its policy document in the AWS managed policy
 * reference), so root on a hybrid machine could read every parameter of the account's region.
 * nodeadm's SSM code downloads the SSM agent installer over HTTPS and registers with the
 * activation (aws/eks-hybrid internal/ssm); it reads no parameter. An explicit Deny wins over the
 * managed policy's Allow (IAM policy evaluation logic).
 */
export const PARAMETER_READ_ACTIONS = ["ssm:GetParameter", "ssm:GetParameterHistory", "ssm:GetParameters", "ssm:GetParametersByPath"] as const;

/**
 * What nodeadm needs beyond the managed policies: describe this one cluster (to fetch endpoint,
 * CA and service CIDR), and deregister only the machines its own activations registered; and no
 * Parameter Store reads (above).
 */
export function hybridNodesPolicy(clusterArn: string, accountId: string, region: string, partition = "aws"): PolicyDocument {
  return doc(
    { Sid: "DescribeThisCluster", Effect: "Allow", Action: "eks:DescribeCluster", Resource: clusterArn },
    { Sid: "FindManagedInstances", Effect: "Allow", Action: "ssm:DescribeInstanceInformation", Resource: "*" },
    {
      Sid: "DeregisterOwnInstances",
      Effect: "Allow",
      Action: "ssm:DeregisterManagedInstance",
      Resource: `arn:${partition}:ssm:${region}:${accountId}:managed-instance/*`,
      Condition: { StringEquals: { [`ssm:resourceTag/${ACTIVATION_CLUSTER_TAG}`]: clusterArn } },
    },
    { Sid: "NoParameterStore", Effect: "Deny", Action: [...PARAMETER_READ_ACTIONS], Resource: "*" },
  );
}

/** ASG tags that mark a group as this cluster's for cluster-autoscaler auto-discovery. */
export function autoscalerDiscoveryTags(clusterName: string): Record<string, string> {
  return { "k8s.io/cluster-autoscaler/enabled": "true", [`k8s.io/cluster-autoscaler/${clusterName}`]: "owned" };
}

/**
 * cluster-autoscaler's permissions, after the "Full Cluster Autoscaler Features Policy" of
 * https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md
 * with its write actions restricted as that README recommends: they only apply to Auto Scaling
 * groups carrying this cluster's ownership tag, which the program puts on its GPU groups only.
 * The Describe* calls do not support resource-level permissions, so they stay on "*".
 */
export function autoscalerPolicy(clusterName: string, accountId: string, region: string, partition = "aws"): PolicyDocument {
  return doc(
    {
      Sid: "DescribeScalingState",
      Effect: "Allow",
      Action: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:DescribeLaunchConfigurations",
        "autoscaling:DescribeScalingActivities",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:GetInstanceTypesFromInstanceRequirements",
      ],
      Resource: "*",
    },
    {
      // Labels and taints of a managed node group still at zero nodes.
      Sid: "DescribeOwnNodegroups",
      Effect: "Allow",
      Action: "eks:DescribeNodegroup",
      Resource: `arn:${partition}:eks:${region}:${accountId}:nodegroup/${clusterName}/*/*`,
    },
    {
      Sid: "ScaleOwnGroups",
      Effect: "Allow",
      Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
      Resource: "*",
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned", "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true" } },
    },
  );
}
