/**
 * `configurationValues` of the CloudWatch Observability add-on (catalog/versions.ts): its chart's
 * Fluent Bit `application-log.conf` (aws-observability/helm-charts,
 * charts/amazon-cloudwatch-observability/values.yaml, `containerLogs.fluentBit.config.extraFiles`,
 * copied into components/aws/fluent-bit-application-log.conf) with `log_retention_days` added to its
 * CloudWatch output. Fluent Bit's `cloudwatch_logs` output sets that retention on a log group it
 * creates (`auto_create_group`): "If set to a number greater than zero, and newly create log
 * group's retention policy is set to this many days" (fluent/fluent-bit-docs
 * pipeline/outputs/cloudwatch.md). A log group that already exists keeps its retention. Helm
 * merges maps key by key, so only this file of the chart's defaults is replaced. Pure.
 */

/** The application log group Fluent Bit writes to (the chart's `log_group_name`). */
export function applicationLogGroup(clusterName: string): string {
  return `/aws/containerinsights/${clusterName}/application`;
}

/** The chart's application-log.conf with the retention on its CloudWatch output. */
export function withRetention(conf: string, days: number): string {
  const marker = /^(\s*)auto_create_group(\s+)true\s*$/m;
  const match = marker.exec(conf);
  if (!match) throw new Error("unreachable: application-log.conf has no `auto_create_group true` output");
  const [line, indent, gap] = match;
  return conf.replace(line, `${line}\n${indent}log_retention_days${gap.length > 1 ? " ".repeat(gap.length - 1) : " "}${days}`);
}

export function containerLogsValues(applicationLogConf: string, retentionDays: number): Record<string, unknown> {
  return { containerLogs: { enabled: true, fluentBit: { config: { extraFiles: { "application-log.conf": withRetention(applicationLogConf, retentionDays) } } } } };
}
