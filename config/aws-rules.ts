/**
 * Rules of a create-mode cluster that come from what AWS enforces rather than from our own
 * layout: hybrid-node endpoint access, and what an existing VPC rules out.
 */
import { Problem } from "./errors";
import { stackNamespaceProblems } from "./names";
import type { CreateClusterInput } from "./schema";
import { kmsKeyRegion } from "./control-plane";

export function awsClusterRules(cluster: CreateClusterInput, region?: string): Problem[] {
  const problems: Problem[] = [];
  // "Created in the same AWS Region as the cluster": https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
  const keyRegion = cluster.secretsKmsKeyArn ? kmsKeyRegion(cluster.secretsKmsKeyArn) : undefined;
  if (region && keyRegion && keyRegion !== region) {
    problems.push({ path: "cluster.secretsKmsKeyArn", message: `is a key in ${keyRegion}, and EKS needs one in the cluster's region (got ${cluster.secretsKmsKeyArn} with aws:region ${region}; create or replicate the key in ${region})` });
  }
  // "Your cluster cannot use Public and Private cluster endpoint connectivity, because the Amazon
  // EKS Kubernetes API server endpoint will resolve to the public IPs for hybrid nodes running
  // outside of your VPC": https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-cluster-create.html
  // (also hybrid-nodes-prereqs.html, "Amazon EKS cluster endpoint access").
  if (cluster.hybrid && cluster.endpoint.publicAccess && cluster.endpoint.privateAccess) {
    problems.push({
      path: "cluster.endpoint",
      message:
        "must be public or private, not both, on a cluster with hybrid nodes (got publicAccess: true and privateAccess: true; " +
        "set privateAccess: false for nodes that reach AWS over the internet, or publicAccess: false for nodes behind a VPN or Direct Connect)",
    });
  }
  if (cluster.vpc && cluster.hybrid?.transitGatewayId) {
    problems.push({
      path: "cluster.hybrid.transitGatewayId",
      message: `only applies to the VPC this program creates (got it with cluster.vpc ${cluster.vpc.id}; attach that VPC to the Transit Gateway yourself)`,
    });
  }
  if (cluster.vpc && new Set(cluster.vpc.privateSubnetIds).size !== cluster.vpc.privateSubnetIds.length) {
    problems.push({ path: "cluster.vpc.privateSubnetIds", message: "lists a subnet twice (each subnet once, in two zones or more)" });
  }
  // One access entry per principal: EKS refuses a second entry for the same principal.
  const principals = [...cluster.admins.map((arn, i) => ({ arn, path: `cluster.admins[${i}]` })), ...cluster.users.map((u, i) => ({ arn: u.principalArn, path: `cluster.users[${i}].principalArn` }))];
  principals.forEach(({ arn, path }, i) => {
    const first = principals.findIndex((p) => p.arn === arn);
    if (first !== i) problems.push({ path, message: `lists ${arn} again (first at ${principals[first].path}; name each principal once: EKS allows one access entry per principal)` });
  });
  cluster.users.forEach((u, i) =>
    u.stacks.forEach((stack, j) => {
      for (const p of stackNamespaceProblems(stack)) problems.push({ path: `cluster.users[${i}].stacks[${j}]`, message: `${JSON.stringify(stack)} ${p}` });
    }),
  );
  return problems;
}
