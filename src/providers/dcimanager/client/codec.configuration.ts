/**
 * Reads DCImanager configuration codes (docs/providers/dcimanager.md#configuration-codes):
 * `<cpu>-<ram>Gb-<disks>`, disks written as `[<count>x]<size><type>` and joined with dashes, e.g.
 * `Xeon-4110-96Gb-2x960SSD-4x8000HDD`. Codes an operator typed freely parse as far as they can; nothing here
 * throws.
 */
export interface DiskSpec {
  count: number;
  /** As the code says it (vendors' decimal GB; TB codes are converted × 1000). */
  sizeGb: number;
  type: string;
}

export interface ParsedConfiguration {
  cpu: string | null;
  memoryMb: number | null;
  disks: DiskSpec[];
  /** Sum over all disks, or null when the code names none. */
  diskGb: number | null;
}

// Memory is written Gb/Tb; a lone G belongs to CPU models such as E-2146G.
const RAM = /^(\d+(?:\.\d+)?)(gb|tb)$/i;
const DISK = /^(?:(\d+)x)?(\d+(?:\.\d+)?)(tb|gb)?(nvme|ssd|hdd|sas|sata)$/i;

export function parseConfiguration(code: string | null | undefined): ParsedConfiguration {
  const parts = (code ?? '').trim().split('-').filter(Boolean);
  const ramAt = parts.findIndex((p) => RAM.test(p));
  let memoryMb: number | null = null;
  if (ramAt >= 0) {
    const [, amount, unit] = RAM.exec(parts[ramAt])!;
    memoryMb = Math.round(Number(amount) * (unit.toLowerCase() === 'tb' ? 1024 * 1024 : 1024));
  }
  const disks: DiskSpec[] = [];
  for (const part of ramAt >= 0 ? parts.slice(ramAt + 1) : parts) {
    const match = DISK.exec(part);
    if (!match) continue;
    const size = Math.round(Number(match[2]) * (match[3]?.toLowerCase() === 'tb' ? 1000 : 1) * 1000) / 1000;
    disks.push({ count: Number(match[1] ?? 1), sizeGb: size, type: match[4] });
  }
  const cpuParts = ramAt >= 0 ? parts.slice(0, ramAt) : [];
  return {
    cpu: cpuParts.length ? cpuParts.join('-') : null,
    memoryMb,
    disks,
    diskGb: disks.length ? disks.reduce((sum, d) => sum + d.count * d.sizeGb, 0) : null,
  };
}

/** One entry per physical disk, in the order the code lists them. */
export function physicalDisks(code: string | null | undefined): Array<{ sizeGb: number; type: string }> {
  return parseConfiguration(code).disks.flatMap((d) =>
    Array.from({ length: d.count }, () => ({ sizeGb: d.sizeGb, type: d.type })),
  );
}
