/** zod field types several schemas share (config/schema.ts, config/sources/). */
import { z } from "zod";

/** RFC 1035 label: what Kubernetes requires of Service names and what we require of every name. */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const ABSOLUTE_PATH = /^\/[^\0]*$/;

export const dnsLabel = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(DNS1035_LABEL, { message: "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter" });

/** RFC 1123 subdomain: what Kubernetes requires of most object names (at most 253 characters, dots between labels). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const dnsSubdomain = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS1123_SUBDOMAIN, { message: "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit" });

export const cidr = z.string().regex(CIDR, { message: "must be an IPv4 CIDR such as 10.0.0.0/16" });
export const absolutePath = z.string().regex(ABSOLUTE_PATH, { message: "must be an absolute path" });
export const int = (min: number, max: number) => z.number().int().min(min).max(max);
