import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./helpers/plan";
import { GPU_TYPES, gpuSpec } from "../catalog/gpus";
import { INSTANCES, InstanceSpec, chooseInstance, findInstance, instancesFor } from "../catalog/instances";
import { DEFAULT_IMAGE_KEY, imageKeys, lookupImage } from "../catalog/images";
import { compareDrivers, parseDriverVersion } from "../catalog/drivers";

describe("GPU catalog", () => {
  it("has every GPU the product promises, with its compute capability", () => {
    const cc = (g: (typeof GPU_TYPES)[number]) => `${gpuSpec(g).computeCapability.major}.${gpuSpec(g).computeCapability.minor}`;
    expect(cc("a100-40gb")).toBe("8.0");
    expect(cc("a100-80gb")).toBe("8.0");
    expect(cc("t4")).toBe("7.5");
    expect(cc("a10g")).toBe("8.6");
    expect(cc("l4")).toBe("8.9");
    expect(cc("h100")).toBe("9.0");
    expect(cc("rtx4090")).toBe("8.9");
    expect(cc("rtx5090")).toBe("12.0");
  });

  it("maps the RTX 4090 to no EC2 type, and every AWS GPU to at least one", () => {
    expect(instancesFor("rtx4090")).toEqual([]);
    for (const gpu of GPU_TYPES.filter((g) => gpuSpec(g).source === "aws")) expect(instancesFor(gpu).length).toBeGreaterThan(0);
  });

  it("has consistent instance rows", () => {
    for (const i of INSTANCES) {
      expect([1, 4, 8]).toContain(i.gpus);
      // No on-demand price only where AWS sells the type as Capacity Blocks alone (catalog/instances.ts).
      if (i.type !== "p5e.48xlarge") expect(i.pricePerHour).toBeGreaterThan(0);
      expect(gpuSpec(i.gpu).source).toBe("aws");
    }
  });

  it("gives every instance row every named field, each of its kind", () => {
    // Typed by InstanceSpec's keys: a field added to the interface must be added here too.
    const kinds: Record<keyof InstanceSpec, "string" | "number" | "boolean"> = {
      type: "string",
      gpu: "string",
      gpus: "number",
      vcpus: "number",
      memoryGiB: "number",
      efaInterfaces: "number",
      gpuDirectRdma: "boolean",
      maxPods: "number",
      pricePerHour: "number",
    };
    for (const row of INSTANCES) {
      expect({ type: row.type, fields: Object.keys(row).sort() }).toEqual({ type: row.type, fields: Object.keys(kinds).sort() });
      for (const [field, kind] of Object.entries(kinds)) {
        if (field === "pricePerHour" && row[field] === undefined) continue;
        expect({ type: row.type, field, kind: typeof row[field as keyof InstanceSpec] }).toEqual({ type: row.type, field, kind });
      }
      for (const whole of [row.gpus, row.vcpus, row.memoryGiB, row.efaInterfaces, row.maxPods]) expect(Number.isInteger(whole)).toBe(true);
      // GPUDirect RDMA over EFA needs EFA; the ENI formula gives at least 2 + one ENI's addresses.
      if (row.gpuDirectRdma) expect(row.efaInterfaces).toBeGreaterThan(0);
      expect(row.maxPods).toBeGreaterThan(2);
    }
    expect(new Set(INSTANCES.map((i) => i.type)).size).toBe(INSTANCES.length);
  });

  it("records GPUDirect RDMA where aws-ofi-nccl requires it, and the AMI's max pods per type", () => {
    expect(INSTANCES.filter((i) => i.gpuDirectRdma).map((i) => i.type)).toEqual(["p4d.24xlarge", "p4de.24xlarge", "p5.48xlarge", "p5e.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge"]);
    const pods = (type: string) => findInstance(type)!.maxPods;
    expect([pods("g4dn.xlarge"), pods("g5.xlarge"), pods("p5.4xlarge"), pods("p5.48xlarge"), pods("g5.48xlarge"), pods("p4d.24xlarge")]).toEqual([29, 58, 118, 100, 345, 737]);
  });
});

describe("instance choice", () => {
  it("picks the cheapest type that fits and says why", () => {
    const one = chooseInstance("a100-40gb", 8);
    expect(one.ok && one.instance.type).toBe("p4d.24xlarge");
    const t4x4 = chooseInstance("t4", 4);
    expect(t4x4.ok && t4x4.instance.type).toBe("g4dn.12xlarge");
    const t4x2 = chooseInstance("t4", 2);
    expect(t4x2.ok && t4x2.reason).toBe("cheapest NVIDIA T4 type with >= 2 GPUs at $3.912/h; next: g4dn.metal at $7.824/h; 2 of its 4 GPUs stay unused");
  });

  it("refuses the RTX 4090 rather than substituting another GPU", () => {
    const c = chooseInstance("rtx4090", 1);
    expect(c.ok).toBe(false);
    expect(!c.ok && c.problem).toBe("no EC2 instance type has the NVIDIA GeForce RTX 4090");
  });

  it("never returns a type with too few GPUs or a pricier type that also fits (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...GPU_TYPES.filter((g) => gpuSpec(g).source === "aws")), fc.integer({ min: 1, max: 16 }), (gpu, gpus) => {
        const c = chooseInstance(gpu, gpus);
        const fits = instancesFor(gpu).filter((i) => i.gpus >= gpus);
        if (fits.length === 0) return !c.ok;
        return c.ok && c.instance.gpus >= gpus && c.instance.gpu === gpu && fits.every((i) => i.pricePerHour === undefined || i.pricePerHour >= c.instance.pricePerHour!);
      }),
    );
  });
});

describe("image catalog", () => {
  it("pins every pulled image by digest, and every built one's Dockerfile base by digest", () => {
    for (const key of imageKeys()) {
      const found = lookupImage(key);
      if (!found.ok) throw new Error(`catalog key ${key} does not resolve`);
      if (found.image.build) {
        const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, found.image.build.dockerfile), "utf8");
        expect(dockerfile).toMatch(/^FROM \S+@sha256:[0-9a-f]{64}$/m);
      } else {
        expect(found.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
    }
  });

  it("resolves the nonexistent CUDA 12.1 build of PyTorch 2.8 to the 12.8 build, in any spelling, and says why", () => {
    for (const request of ["pytorch-2.8-cuda12.1", "pytorch:2.8-cuda12.1", "pytorch:2.8 cuda12.1"]) {
      const found = lookupImage(request);
      expect(found.ok && found.image.key).toBe(DEFAULT_IMAGE_KEY);
      expect(found.ok && found.substitution).toMatch(/no CUDA 12\.1 build/);
    }
  });
});

describe("driver versions", () => {
  it("compares numerically, part by part", () => {
    const v = (s: string) => parseDriverVersion(s)!;
    expect(compareDrivers(v("570.26"), v("560.28.03"))).toBeGreaterThan(0);
    expect(compareDrivers(v("580"), v("580.65.06"))).toBeLessThan(0);
    expect(compareDrivers(v("570.26"), v("570.26.0"))).toBe(0);
    expect(parseDriverVersion("57o.1")).toBeUndefined();
  });
});
