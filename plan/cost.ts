/**
 * Fixed costs of a cluster this program creates, us-east-1 on-demand, mid-2026.
 * EKS: https://aws.amazon.com/eks/pricing/ (standard support); NAT: https://aws.amazon.com/vpc/pricing/;
 * m6i.large: https://aws.amazon.com/ec2/pricing/on-demand/.
 */
export const EKS_CONTROL_PLANE_PER_HOUR = 0.1;
export const NAT_GATEWAY_PER_HOUR = 0.045;
const CPU_INSTANCE_PRICES: Record<string, number> = {
  "m6i.large": 0.096,
  "m6i.xlarge": 0.192,
  "m7i.large": 0.1008,
  "t3.large": 0.0832,
};

export function cpuInstancePrice(type: string): number | undefined {
  return CPU_INSTANCE_PRICES[type];
}

/** Dollars for `minutes` at `perHour`, rounded up to the cent so bounds stay bounds. */
export function costFor(perHour: number, minutes: number): number {
  return Math.ceil(((perHour * minutes) / 60) * 100) / 100;
}

export function dollars(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
