import fc from "fast-check";
import { overlaps, parseCidr } from "../../config/cidr";
import { VPC_CIDR_PREFIX } from "../../config/rules";
import { MAX_VPC_PREFIX, MAX_ZONES, MIN_VPC_PREFIX, formatAddress, subBlock, subnetLayout, subnetTags } from "../../components/aws/builders/subnets";

describe("subnet layout", () => {
  it("gives a /16 VPC /19 private and /22 public subnets at the documented offsets", () => {
    expect(subnetLayout("10.0.0.0/16", 3)).toEqual({
      private: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
      public: ["10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22"],
    });
  });

  it("keeps the smallest allowed VPC's public subnets at AWS's /28 minimum", () => {
    const layout = subnetLayout("192.168.4.0/22", 6);
    expect(layout.public.every((s) => s.endsWith("/28"))).toBe(true);
    expect(layout.private[5]).toBe("192.168.6.128/25");
  });

  it("refuses VPCs and zone counts it cannot lay out", () => {
    expect(() => subnetLayout("10.0.0.0/23", 2)).toThrow("must be /16 to /22");
    expect(() => subnetLayout("10.0.0.0/8", 2)).toThrow("must be /16 to /22");
    expect(() => subnetLayout("10.0.0.0/16", 7)).toThrow("zones must be 1-6");
    expect(() => subBlock("10.0.0.0/16", 3, 8)).toThrow("has 8 blocks");
  });

  it("agrees with the config rule on the VPC sizes it accepts", () => {
    expect(VPC_CIDR_PREFIX).toEqual({ min: MIN_VPC_PREFIX, max: MAX_VPC_PREFIX });
  });

  it("formats addresses", () => {
    expect(formatAddress(0)).toBe("0.0.0.0");
    expect(formatAddress(2 ** 32 - 1)).toBe("255.255.255.255");
    expect(formatAddress(167772160 + 256 * 32)).toBe("10.0.32.0");
  });

  it("always yields disjoint subnets inside the VPC, aligned to their size (property)", () => {
    const vpc = fc
      .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: MIN_VPC_PREFIX, max: MAX_VPC_PREFIX }))
      .map(([address, bits]) => {
        const size = 2 ** (32 - bits);
        return `${formatAddress(Math.floor(address / size) * size)}/${bits}`;
      });
    fc.assert(
      fc.property(vpc, fc.integer({ min: 1, max: MAX_ZONES }), (cidr, zones) => {
        const parent = parseCidr(cidr)!;
        const layout = subnetLayout(cidr, zones);
        const all = [...layout.private, ...layout.public].map((s) => parseCidr(s)!);
        expect(layout.private).toHaveLength(zones);
        expect(layout.public).toHaveLength(zones);
        for (const s of all) {
          expect(s.start).toBeGreaterThanOrEqual(parent.start);
          expect(s.end).toBeLessThanOrEqual(parent.end);
          expect(Number(s.text.split("/")[1])).toBeLessThanOrEqual(28);
          expect(s.start % (s.end - s.start + 1)).toBe(0);
        }
        for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
      }),
    );
  });

  it("tags public subnets for internet-facing and private ones for internal load balancers", () => {
    expect(subnetTags("gtc-x", "public")).toEqual({ "kubernetes.io/cluster/gtc-x": "shared", "kubernetes.io/role/elb": "1" });
    expect(subnetTags("gtc-x", "private")).toEqual({ "kubernetes.io/cluster/gtc-x": "shared", "kubernetes.io/role/internal-elb": "1" });
  });
});
