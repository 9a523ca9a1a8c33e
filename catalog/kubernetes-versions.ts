/**
 * EKS Kubernetes versions this program can create, with the dates their standard and extended
 * support end, and the rule a cluster's version and `upgradePolicy.supportType` must meet on the
 * day of `pulumi up`.
 *
 * Dates: the "Amazon EKS Kubernetes release calendar" of the EKS user guide,
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (read November 2026):
 * 14 months of standard support after the EKS release, then 12 months of extended support.
 * Support types: https://docs.aws.amazon.com/eks/latest/userguide/view-upgrade-policy.html
 * (STANDARD: upgraded automatically at the end of standard support, no extended charge; EXTENDED:
 * stays on the version at the extended-support price; the policy can only be set while the
 * version is in standard support, so a version past it cannot be created with STANDARD).
 * Prices: https://aws.amazon.com/eks/pricing/ ($0.10 per cluster-hour in standard support,
 * $0.60 in extended support).
 */
export const KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35"] as const;
export type KubernetesVersion = (typeof KUBERNETES_VERSIONS)[number];

export const SUPPORT_TYPES = ["STANDARD", "EXTENDED"] as const;
export type SupportType = (typeof SUPPORT_TYPES)[number];

export interface VersionSupport {
  readonly version: KubernetesVersion;
  /** Last day of standard support (UTC, inclusive). */
  readonly endOfStandardSupport: string;
  /** Last day of extended support (UTC, inclusive). */
  readonly endOfExtendedSupport: string;
}

export const VERSION_SUPPORT: Record<KubernetesVersion, VersionSupport> = {
  "1.32": { version: "1.32", endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23" },
  "1.33": { version: "1.33", endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29" },
  "1.34": { version: "1.34", endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02" },
  "1.35": { version: "1.35", endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27" },
};

/** Where the table above comes from and when it was last checked against that source. */
export const VERSION_TABLE = {
  file: "catalog/kubernetes-versions.ts",
  source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
  checked: "2026-11-29",
} as const;

/**
 * The default version: the newest one every pinned add-on, chart and cluster-autoscaler release
 * supports (catalog/versions.ts has a row for each version listed here; the
 * autoscaler's minor follows Kubernetes', and 9.59.0 ships 1.35.0).
 */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.35";

export const EKS_STANDARD_PER_HOUR = 0.1;
export const EKS_EXTENDED_PER_HOUR = 0.6;

/** Days before the end of standard support from which the plan warns about the automatic upgrade. */
export const SUPPORT_WARNING_DAYS = 30;

/** A UTC calendar date (YYYY-MM-DD) of a clock reading. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export interface SupportVerdict {
  readonly version: KubernetesVersion;
  readonly supportType: SupportType;
  /** "standard" or "extended" support on the given day, or "ended" past both. */
  readonly phase: "standard" | "extended" | "ended";
  /** The day the cluster's current support ends (standard, or extended once in it). */
  readonly endDate: string;
  /** The last day of standard support the rule used. */
  readonly endOfStandardSupport: string;
  readonly controlPlanePerHour: number;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/** Newest version still in standard support on `today`, if any. */
export function newestStandardVersion(today: string): VersionSupport | undefined {
  return [...KUBERNETES_VERSIONS].reverse().map((v) => VERSION_SUPPORT[v]).find((s) => today <= s.endOfStandardSupport);
}

/**
 * The version rule on a given day: pure, the clock is an argument. `dates`: the support dates EKS
 * itself gives (aws.eks.getClusterVersions, at `pulumi preview`), which replace the table's.
 */
export function checkVersionSupport(
  version: KubernetesVersion,
  supportType: SupportType,
  now: Date,
  dates?: Pick<VersionSupport, "endOfStandardSupport" | "endOfExtendedSupport">,
): SupportVerdict {
  const s: VersionSupport = dates ? { version, ...dates } : VERSION_SUPPORT[version];
  const today = utcDay(now);
  const phase = today <= s.endOfStandardSupport ? "standard" : today <= s.endOfExtendedSupport ? "extended" : "ended";
  const problems: string[] = [];
  const warnings: string[] = [];
  const newer = newestStandardVersion(today);
  const moveUp = newer && newer.version !== version ? `set cluster.kubernetesVersion: "${newer.version}" (standard support until ${newer.endOfStandardSupport})` : undefined;
  const extraPerHour = (EKS_EXTENDED_PER_HOUR - EKS_STANDARD_PER_HOUR).toFixed(2);
  if (phase === "ended") {
    problems.push(`Kubernetes ${version} left EKS extended support on ${s.endOfExtendedSupport}: EKS no longer creates it (${moveUp ?? "choose a newer version"})`);
  } else if (phase === "extended" && supportType === "STANDARD") {
    problems.push(
      // The program cannot tell a new cluster from one already on this version: the message covers both.
      // EKS upgrades a cluster one minor version at a time: https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html
      `Kubernetes ${version} left EKS standard support on ${s.endOfStandardSupport}, which cluster.supportType "STANDARD" does not cover: ` +
        `EKS creates no new cluster on it, and a cluster already on it has to be upgraded or moved to extended support ` +
        `(${moveUp ? `${moveUp}, upgrading an existing cluster one minor version per \`pulumi up\`, or ` : ""}set cluster.supportType: EXTENDED to pay extended support, $${EKS_EXTENDED_PER_HOUR.toFixed(2)}/h instead of $${EKS_STANDARD_PER_HOUR.toFixed(2)}/h per cluster, +$${extraPerHour}/h, until ${s.endOfExtendedSupport})`,
    );
  } else if (phase === "standard") {
    const left = daysBetween(today, s.endOfStandardSupport);
    if (left <= SUPPORT_WARNING_DAYS) {
      warnings.push(
        supportType === "STANDARD"
          ? `Kubernetes ${version} leaves standard support on ${s.endOfStandardSupport} (in ${left} days): EKS then upgrades the cluster on its own${moveUp ? `; ${moveUp} to avoid that` : ""}`
          : `Kubernetes ${version} leaves standard support on ${s.endOfStandardSupport} (in ${left} days): from then on the control plane costs $${EKS_EXTENDED_PER_HOUR.toFixed(2)}/h (extended support)`,
      );
    }
  }
  const endDate = phase === "standard" ? s.endOfStandardSupport : s.endOfExtendedSupport;
  return {
    version,
    supportType,
    phase,
    endDate,
    endOfStandardSupport: s.endOfStandardSupport,
    controlPlanePerHour: phase === "extended" ? EKS_EXTENDED_PER_HOUR : EKS_STANDARD_PER_HOUR,
    problems,
    warnings,
  };
}
