/**
 * A torch pinned in the run's own setup (`pip install torch==2.7.1`) or in a requirements file
 * the setup installs replaces the image's torch in every pod, and with it the build the
 * compatibility gate checked: its CUDA runtime (driver minimum) and arch list are those of
 * whatever wheel pip picks. The gate cannot check that wheel, so it says so on the pool's verdict.
 */
import type { Verdict } from "./compat";

export interface TorchPin {
  /** Where the pin is: `experiment.setup[0]`, or `requirements.txt line 3 (workdir)`. */
  readonly where: string;
  /** The version pinned, local build tag included (`2.7.1`, `2.8.0+cpu`). */
  readonly version: string;
}

/** `torch==2.7.1`, `torch===2.8.0+cu126`, `torch ~= 2.6` (an exact or compatible-release pin, PEP 440). */
const PIN = /(?:^|[\s"'])torch\s*(===?|~=)\s*([0-9][0-9A-Za-z.+!-]*)/;

/** Pins in setup commands that run pip (`pip install`, `python -m pip install`, `uv pip install`). */
export function torchPinsInSetup(setup: readonly string[], pathOf: (i: number) => string): TorchPin[] {
  return setup.flatMap((command, i) => {
    if (!/\bpip\b/.test(command)) return [];
    const m = PIN.exec(command);
    return m ? [{ where: pathOf(i), version: m[2] }] : [];
  });
}

/** Pins in a requirements file, one requirement a line (`#` comments and environment markers ignored). */
export function torchPinsInRequirements(file: string, text: string): TorchPin[] {
  return text.split(/\r?\n/).flatMap((line, i) => {
    const req = line.replace(/#.*/, "").split(";")[0].trim();
    const m = /^torch\s*(===?|~=)\s*([0-9][0-9A-Za-z.+!-]*)$/.exec(req);
    return m ? [{ where: `${file} line ${i + 1}`, version: m[2] }] : [];
  });
}

/** `-r requirements.txt` / `--requirement=x.txt` in setup commands that run pip: files of the workdir. */
export function requirementFiles(setup: readonly string[]): string[] {
  const files = setup.filter((c) => /\bpip\b/.test(c)).flatMap((c) => [...c.matchAll(/(?:^|\s)(?:-r\s*|--requirement[=\s]\s*)([^\s;&|]+)/g)].map((m) => m[1]));
  return [...new Set(files)];
}

/**
 * The gate's line for each pin that is not the image's build: another version, or the same
 * version built for another CUDA runtime or for the CPU (`+cpu`, `+cu126` on a CUDA 12.8 image).
 */
export function torchPinNotes(pins: readonly TorchPin[], image: { readonly torchVersion?: string; readonly cudaRuntime: string; readonly key: string }): string[] {
  if (!image.torchVersion) return [];
  const own = `cu${image.cudaRuntime.replace(".", "")}`;
  return pins.flatMap((pin) => {
    const [base, local] = pin.version.split("+");
    if (base === image.torchVersion && (local === undefined || local === own)) return [];
    return [
      `${pin.where} pins torch ${pin.version}, but the image ${image.key} has torch ${image.torchVersion} built for CUDA ${image.cudaRuntime}: ` +
        `pip replaces it in every pod with a wheel this gate has not checked (its CUDA runtime and arch list decide whether it runs on this GPU and driver). ` +
        `Pin torch==${image.torchVersion}, or drop the pin`,
    ];
  });
}

/** The verdicts with the pin notes added to the experiment's pool (status ok becomes warning). */
export function withTorchPinNotes(verdicts: readonly Verdict[], notes: readonly string[]): Verdict[] {
  if (notes.length === 0) return [...verdicts];
  return verdicts.map((v) => (v.used ? { ...v, status: v.status === "ok" ? "warning" : v.status, notes: [...v.notes, ...notes] } : v));
}
