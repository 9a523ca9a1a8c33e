/**
 * The cluster VPC: public and private subnets in each zone, an internet gateway, NAT (one, or one
 * per zone), route tables, an S3 gateway endpoint, the subnet tags Kubernetes load balancers look for, and optionally the
 * Transit Gateway attachment and routes that reach the on-premises networks of hybrid nodes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetLayout, subnetTags } from "./builders/subnets";
import { AVAILABILITY_ZONES_ONLY } from "./account-facts";

export interface NetworkArgs {
  readonly clusterName: string;
  readonly vpcCidr: string;
  readonly zones: number;
  /** Zone names for the subnets, in order (the account gate's choice); default: the region's first zones. */
  readonly zoneNames?: readonly string[];
  readonly natGateways: "single" | "per-zone";
  readonly tags: Record<string, string>;
  /** The VPC's region: names the S3 gateway endpoint's service. */
  readonly region: string;
  /** On-premises networks to route through a Transit Gateway (EKS Hybrid Nodes). */
  readonly onPremises?: { readonly transitGatewayId: string; readonly cidrs: readonly string[] };
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-training-clusters:aws:Network", name, {}, opts);
    const zoneCount = args.zoneNames?.length ?? args.zones;
    const layout = subnetLayout(args.vpcCidr, zoneCount);
    const zones = args.zoneNames ? pulumi.output([...args.zoneNames]) : aws.getAvailabilityZonesOutput(AVAILABILITY_ZONES_ONLY, { parent: this }).names;
    const tagged = (resourceName: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: resourceName, ...extra });

    // EKS requires DNS hostnames and resolution in the VPC.
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tagged(`${name}-vpc`) }, { parent: this });
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tagged(`${name}-igw`) }, { parent: this });

    const subnet = (tier: "public" | "private", cidr: string, i: number) =>
      new aws.ec2.Subnet(
        `${name}-${tier}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          // An answer without names leaves the zone to EC2 rather than failing on it.
          availabilityZone: zones.apply((z) => z?.[i]),
          mapPublicIpOnLaunch: false,
          tags: tagged(`${name}-${tier}-${i}`, subnetTags(args.clusterName, tier)),
        },
        { parent: this },
      );
    const publicSubnets = layout.public.map((cidr, i) => subnet("public", cidr, i));
    const privateSubnets = layout.private.map((cidr, i) => subnet("private", cidr, i));

    const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: vpc.id, tags: tagged(`${name}-public-rt`) }, { parent: this });
    new aws.ec2.Route(`${name}-public-default`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, { parent: this });
    publicSubnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-assoc-${i}`, { subnetId: s.id, routeTableId: publicRoutes.id }, { parent: this }));

    // One NAT gateway costs one hourly charge; one per zone keeps egress up when a zone fails.
    const natCount = args.natGateways === "single" ? 1 : zoneCount;
    const privateRoutes = Array.from({ length: natCount }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-ip-${i}`, { domain: "vpc", tags: tagged(`${name}-nat-ip-${i}`) }, { parent: this });
      const nat = new aws.ec2.NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: tagged(`${name}-nat-${i}`) }, { parent: this, dependsOn: [igw] });
      const table = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: vpc.id, tags: tagged(`${name}-private-rt-${i}`) }, { parent: this });
      new aws.ec2.Route(`${name}-private-default-${i}`, { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, { parent: this });
      return table;
    });
    privateSubnets.forEach(
      (s, i) => new aws.ec2.RouteTableAssociation(`${name}-private-assoc-${i}`, { subnetId: s.id, routeTableId: privateRoutes[natCount === 1 ? 0 : i].id }, { parent: this }),
    );

    // S3 traffic (Mountpoint datasets and outputs, image layers ECR serves from S3) stays on AWS's
    // network instead of going through the NAT gateways, which charge per GB processed; gateway
    // endpoints cost nothing (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html).
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      { vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: privateRoutes.map((t) => t.id), tags: tagged(`${name}-s3`) },
      { parent: this },
    );

    if (args.onPremises) {
      // Hybrid nodes and their pods must be reachable from the control plane's network interfaces,
      // which live in the private subnets: https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html
      const attachment = new aws.ec2transitgateway.VpcAttachment(
        `${name}-tgw`,
        { transitGatewayId: args.onPremises.transitGatewayId, vpcId: vpc.id, subnetIds: privateSubnets.map((s) => s.id), tags: tagged(`${name}-tgw`) },
        { parent: this },
      );
      privateRoutes.forEach((table, i) =>
        args.onPremises!.cidrs.forEach(
          (cidr, j) =>
            new aws.ec2.Route(
              `${name}-onprem-${i}-${j}`,
              { routeTableId: table.id, destinationCidrBlock: cidr, transitGatewayId: args.onPremises!.transitGatewayId },
              { parent: this, dependsOn: [attachment] },
            ),
        ),
      );
    }

    this.vpcId = vpc.id;
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
  }
}
