/**
 * IPv4 CIDR arithmetic for the network rules (EKS Hybrid Nodes require RFC 1918 remote networks
 * that overlap neither the VPC nor the service CIDR:
 * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html).
 */

export interface Cidr {
  readonly text: string;
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const start = Math.floor(address / size) * size;
  return { text, start, end: start + size - 1 };
}

/** The CIDR has host bits set (10.0.0.1/16): almost always a typo. */
export function hasHostBits(text: string): boolean {
  const c = parseCidr(text);
  if (!c) return false;
  const address = text.split("/")[0].split(".").map(Number).reduce((acc, o) => acc * 256 + o, 0);
  return address !== c.start;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

const RFC1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => parseCidr(t)!);

export function isRfc1918(c: Cidr): boolean {
  return RFC1918.some((r) => c.start >= r.start && c.end <= r.end);
}
