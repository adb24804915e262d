import { readFileSync } from 'node:fs';

// Peak resident memory of a process, from Linux's /proc/<pid>/status (`VmHWM`, the high-water
// mark of its resident set). Undefined where /proc is not there.

/** `VmHWM:   123456 kB` in a /proc status text, in MiB. */
export function parsePeakRssMiB(status: string): number | undefined {
  const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}

export function peakRssMiB(pid: number): number | undefined {
  try {
    return parsePeakRssMiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}
