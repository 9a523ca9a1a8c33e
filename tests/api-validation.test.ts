import fc from "fast-check";
import { s3BucketName, regionPartition, commercialRegions } from "../config/aws-validation";
import { dns1123Label, dns1123Subdomain, envVarName, labelValue, qualifiedName } from "../config/k8s-validation";
import { didYouMean, editDistance, suggest } from "../config/suggest";
import { parseImageReference } from "../catalog/image-ref";
import { lookupImage } from "../catalog/images";

describe("Kubernetes name rules (apimachinery validation)", () => {
  it("accepts and refuses as the API server does", () => {
    expect(dns1123Label("my-claim-0")).toEqual([]);
    expect(dns1123Label("My-claim")).not.toEqual([]);
    expect(dns1123Label("a".repeat(64))[0]).toContain("no more than 63");
    expect(dns1123Subdomain("data.team-a")).toEqual([]);
    expect(dns1123Subdomain("data..team")).not.toEqual([]);
    expect(dns1123Subdomain("claim_name")).not.toEqual([]);
    expect(qualifiedName("node.kubernetes.io/instance-type")).toEqual([]);
    expect(qualifiedName("gpu")).toEqual([]);
    expect(qualifiedName("a/b/c")).not.toEqual([]);
    expect(qualifiedName("Example.com/x")).not.toEqual([]);
    expect(qualifiedName("/x")).not.toEqual([]);
    expect(labelValue("")).toEqual([]);
    expect(labelValue("rtx_4090.v2")).toEqual([]);
    expect(labelValue("-x")).not.toEqual([]);
    expect(labelValue("x".repeat(64))).not.toEqual([]);
    expect(envVarName("NCCL_DEBUG")).toEqual([]);
    expect(envVarName("1X")).not.toEqual([]);
  });

  it("every DNS-1123 label is a subdomain, a qualified name and a label value", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/), (s) => {
        expect(dns1123Label(s)).toEqual([]);
        expect(dns1123Subdomain(s)).toEqual([]);
        expect(qualifiedName(s)).toEqual([]);
        expect(labelValue(s)).toEqual([]);
      }),
    );
  });

  it("a label value over 63 characters is always refused", () => {
    fc.assert(fc.property(fc.string({ minLength: 64, maxLength: 200 }), (s) => expect(labelValue(s).length).toBeGreaterThan(0)));
  });
});

describe("S3 bucket naming rules", () => {
  it("refuses every rule's violation, naming it", () => {
    expect(s3BucketName("example-training-datasets")).toEqual([]);
    expect(s3BucketName("my..bucket").join()).toContain("two adjacent periods");
    expect(s3BucketName("192.168.5.4").join()).toContain("IP address");
    expect(s3BucketName("xn--bucket").join()).toContain('prefix "xn--"');
    expect(s3BucketName("sthree-data").join()).toContain('prefix "sthree-"');
    expect(s3BucketName("amzn-s3-demo-bucket").join()).toContain('prefix "amzn-s3-demo-"');
    for (const suffix of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
      expect(s3BucketName(`data${suffix}`).join()).toContain(`suffix "${suffix}"`);
    }
    expect(s3BucketName("ab").join()).toContain("3 to 63");
    expect(s3BucketName("Data").join()).toContain("lower-case");
    expect(s3BucketName("data-").join()).toContain("begin and end");
  });

  it("names of lower-case letters and digits with single hyphens are valid", () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-wyz][a-z0-9]{2,20}(-[a-z0-9]{1,10}){0,3}$/), (s) => {
      fc.pre(!/-s3alias$/.test(s) && !/^(sthree-|amzn-s3-demo-)/.test(s));
      expect(s3BucketName(s)).toEqual([]);
    }));
  });
});

describe("regions", () => {
  it("knows the partitions", () => {
    expect(regionPartition("us-east-1")).toBe("aws");
    expect(regionPartition("cn-north-1")).toBe("aws-cn");
    expect(regionPartition("us-gov-west-1")).toBe("aws-us-gov");
    expect(commercialRegions()).toContain("eu-west-1");
    expect(commercialRegions()).not.toContain("cn-north-1");
  });
});

describe("did you mean", () => {
  it("finds case slips, prefixes and near misses, and nothing for far ones", () => {
    expect(suggest("A10G", ["a100-40gb", "a10g", "t4"])).toEqual(["a10g"]);
    expect(suggest("a100", ["a100-40gb", "a100-80gb", "t4"])).toEqual(["a100-40gb", "a100-80gb"]);
    expect(suggest("gpu-training-cluster", ["gpu-training-clusters", "aws"])).toEqual(["gpu-training-clusters"]);
    expect(didYouMean("zzzzzz", ["aws", "pulumi"])).toBe("");
  });

  it("edit distance is a metric", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b, c) => {
        expect(editDistance(a, a)).toBe(0);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, c)).toBeLessThanOrEqual(editDistance(a, b) + editDistance(b, c));
      }),
    );
  });
});

describe("OCI image references (distribution/reference grammar)", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  it("splits registry, path, tag and digest", () => {
    expect(parseImageReference("pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime")).toEqual({ ok: true, ref: { registry: undefined, path: "pytorch/pytorch", tag: "2.8.0-cuda12.8-cudnn9-runtime", digest: undefined } });
    expect(parseImageReference(`localhost:5000/team/train@${digest}`)).toEqual({ ok: true, ref: { registry: "localhost:5000", path: "team/train", tag: undefined, digest } });
    expect(parseImageReference("123456789012.dkr.ecr.us-east-1.amazonaws.com/train")).toMatchObject({ ok: true, ref: { registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", path: "train" } });
  });

  it("refuses malformed references", () => {
    for (const bad of ["Team/Train", "team//train", "train@sha256:abc", `train@sha512:${"a".repeat(64)}`, "train:-bad", "-train", `train@${digest}@${digest}`]) {
      expect(parseImageReference(bad).ok).toBe(false);
    }
  });

  it("the public tag of a catalog image resolves to its pinned digest, saying so", () => {
    for (const ref of ["pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime", "docker.io/pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime"]) {
      const found = lookupImage(ref);
      expect(found.ok && found.image.key).toBe("pytorch-2.8-cuda12.8");
      expect(found.ok && found.substitution).toContain("sha256:417bd75d");
    }
    expect(lookupImage("pytorch/pytorch:2.8.0-cuda12.1-cudnn9-runtime").ok).toBe(false);
    expect(lookupImage(`pytorch/pytorch@${digest}`).ok).toBe(false);
  });
});
