import { ValidationError } from '../../../common/errors/gateway-error';

/**
 * CloudSigma 1.0 sells CPU as a quota in core-MHz (`cpu`) beside a vCPU count (`smp`), and memory in MB
 * (docs/providers/cloudsigma.md#server-sizes). The gateway's sizes are presets; `cpuCores` + `memoryMb` work
 * too: `smp` = cores and `cpu` = cores × 2000 MHz, inside the manual's 1-2.2 GHz per core.
 */
export const MHZ_PER_CORE = 2000;
export const MAX_CORES = 10; // 20 GHz, the largest quota any client offers
export const MIN_MEMORY_MB = 256;
export const MAX_MEMORY_MB = 32_768;

export interface Sizing {
  /** CPU quota in MHz. */
  cpu: number;
  smp: number;
  /** MB. */
  mem: number;
}

export interface PlanPreset extends Sizing {
  id: string;
  name: string;
}

const preset = (id: string, label: string, cores: number, mem: number): PlanPreset => ({
  id,
  name: `${label}: ${cores} × ${MHZ_PER_CORE / 1000} GHz, ${mem / 1024} GB`,
  cpu: cores * MHZ_PER_CORE,
  smp: cores,
  mem,
});

export const PLAN_PRESETS: readonly PlanPreset[] = [
  preset('small', 'Small', 1, 1024),
  preset('medium', 'Medium', 2, 2048),
  preset('large', 'Large', 4, 4096),
  preset('xlarge', 'Extra large', 8, 16_384),
];

/** The plan id that stands for "give cpuCores and memoryMb". */
export const CUSTOM_PLAN_ID = 'custom';

/** The size a create asks for, checked before any backend call. */
export function sizingOf(input: { planId?: string; cpuCores?: number; memoryMb?: number }): Sizing {
  if (input.planId && input.planId !== CUSTOM_PLAN_ID) {
    const found = PLAN_PRESETS.find((p) => p.id === input.planId);
    if (!found) {
      throw new ValidationError(
        `CloudSigma has no plan '${input.planId}'; see GET /v1/providers/{name}/plans.`,
        [
          {
            field: 'planId',
            message: `must be one of ${[...PLAN_PRESETS.map((p) => p.id), CUSTOM_PLAN_ID].join(', ')}`,
          },
        ],
      );
    }
    return { cpu: found.cpu, smp: found.smp, mem: found.mem };
  }
  const { cpuCores, memoryMb } = input;
  if (cpuCores === undefined || memoryMb === undefined) {
    throw new ValidationError('CloudSigma needs a size: give planId, or cpuCores and memoryMb.', [
      { field: 'planId', message: 'is required unless cpuCores and memoryMb are given' },
    ]);
  }
  const errors = [];
  if (!Number.isInteger(cpuCores) || cpuCores < 1 || cpuCores > MAX_CORES)
    errors.push({
      field: 'cpuCores',
      message: `must be a whole number from 1 to ${MAX_CORES} on CloudSigma`,
    });
  if (!Number.isInteger(memoryMb) || memoryMb < MIN_MEMORY_MB || memoryMb > MAX_MEMORY_MB)
    errors.push({
      field: 'memoryMb',
      message: `must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} on CloudSigma`,
    });
  if (errors.length) throw new ValidationError('CloudSigma cannot make a server of this size.', errors);
  return { cpu: cpuCores * MHZ_PER_CORE, smp: cpuCores, mem: memoryMb };
}

/** The preset a server's sizes match exactly, if any. */
export function presetOf(cpu: number | null, smp: number | null, mem: number | null): PlanPreset | undefined {
  return PLAN_PRESETS.find((p) => p.cpu === cpu && p.smp === smp && p.mem === mem);
}

const GiB = 1024 ** 3;

/**
 * GiB (the API's sizeGb) → bytes (drive `size`): always plain bytes, since a size suffix is not proven on
 * CloudSigma (docs/providers/cloudsigma.md#drives).
 */
export function gibToBytes(sizeGb: number): number {
  return Math.round(sizeGb * GiB);
}

/** Bytes → GiB, to the thousandth. */
export function bytesToGib(bytes: number): number {
  return Math.round((bytes / GiB) * 1000) / 1000;
}

/**
 * A connection's one location (docs/providers/cloudsigma.md#location), named after its endpoint host: `api.zrh.cloudsigma.com` → `zrh`, the pre-2011
 * `api.cloudsigma.com` → `zrh`, a loopback or IP endpoint (the simulator) → `sim`, any other host → its
 * first label.
 */
export function locationOf(endpoint: string): { id: string; name: string } {
  const host = new URL(endpoint).hostname.toLowerCase();
  const names: Record<string, string> = { zrh: 'Zurich', lvs: 'Las Vegas', sim: 'Simulator' };
  let id: string;
  if (host === 'api.cloudsigma.com') id = 'zrh';
  else if (/^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[') || host === 'localhost')
    id = 'sim';
  else {
    const labels = host.split('.');
    id = labels[0] === 'api' && labels.length > 2 ? labels[1] : labels[0];
  }
  id = id.replace(/[^a-z0-9._~-]/g, '-') || 'default';
  return { id, name: names[id] ?? host };
}
