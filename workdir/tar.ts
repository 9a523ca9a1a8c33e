/**
 * A deterministic tar.gz: the same files always give the same bytes, so the archive's hash
 * identifies the contents and an unchanged directory never changes the Job.
 *
 * - POSIX ustar headers (https://pubs.opengroup.org/onlinepubs/9799919799/utilities/pax.html,
 *   "ustar Interchange Format"), a pax extended header (typeflag `x`, record `"<len> path=<name>\n"`)
 *   only for a path that does not fit ustar's 155-byte prefix + 100-byte name;
 * - entries sorted by path; regular files only (directories are implied by the paths);
 * - owner 0:0 with empty user/group names; mode 0644, or 0755 when the owner could execute the
 *   file (git keeps only that bit, too); one fixed mtime;
 * - gzip with a zero header mtime and OS byte 3 (Unix) on every platform (RFC 1952 section 2.3.1),
 *   since zlib writes a platform-specific OS byte.
 *
 * The fixed mtime is 2000-01-01T00:00:00Z, not 0: ZIP cannot store dates before 1980, and
 * `pip install .` of a package in the workdir builds a wheel (a ZIP) from these files.
 * Pure: bytes in, bytes out.
 */
import { createHash } from "crypto";
import { gzipSync } from "zlib";

export const FIXED_MTIME = 946_684_800;
const BLOCK = 512;

export interface TarEntry {
  /** `/`-separated path relative to the archive root, no `..`, no leading `/`. */
  readonly path: string;
  readonly data: Buffer;
  readonly executable: boolean;
}

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL terminator.
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, prefix: string, size: number, mode: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, 8, "ascii");
  h.write(octal(0, 8), 108, 8, "ascii");
  h.write(octal(0, 8), 116, 8, "ascii");
  h.write(octal(size, 12), 124, 12, "ascii");
  h.write(octal(FIXED_MTIME, 12), 136, 12, "ascii");
  h.write("        ", 148, 8, "ascii"); // checksum is computed with its own field as spaces
  h.write(type, 156, 1, "ascii");
  h.write("ustar\0", 257, 6, "ascii");
  h.write("00", 263, 2, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return h;
}

function padded(data: Buffer): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [data] : [data, Buffer.alloc(BLOCK - rest, 0)];
}

/** ustar's name/prefix split, or undefined when the path needs a pax header. */
function splitUstar(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return { name, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  // The length counts the whole record, its own digits included.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

/** The uncompressed tar of the entries, sorted by path. */
export function tarBytes(entries: readonly TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const mode = entry.executable ? 0o755 : 0o644;
    const split = splitUstar(entry.path);
    if (split) {
      blocks.push(header(split.name, split.prefix, entry.data.length, mode, "0"));
    } else {
      const pax = Buffer.from(paxRecord("path", entry.path), "utf8");
      blocks.push(header("PaxHeader", "", pax.length, 0o644, "x"), ...padded(pax));
      blocks.push(header(Buffer.from(entry.path).subarray(0, 100).toString("utf8").replace(/\uFFFD+$/, ""), "", entry.data.length, mode, "0"));
    }
    blocks.push(...padded(entry.data));
  }
  blocks.push(Buffer.alloc(BLOCK * 2, 0)); // end of archive: two zero blocks
  return Buffer.concat(blocks);
}

/** gzip without a timestamp and with one OS byte on every platform. */
export function deterministicGzip(data: Buffer): Buffer {
  const gz = gzipSync(data, { level: 9 });
  gz.writeUInt32LE(0, 4); // MTIME
  gz[9] = 3; // OS: Unix
  return gz;
}

export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
