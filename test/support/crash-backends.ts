import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import {
  startCloudmcSimulator,
  type CloudmcSimulatorHandle,
} from '../../sandbox/simulators/cloudmc/cloudmc.simulator';
import {
  startCloudsigmaSimulator,
  type CloudsigmaSimulatorHandle,
} from '../../sandbox/simulators/cloudsigma/cloudsigma.simulator';
import {
  startDcimanagerSimulator,
  type DcimanagerSimulatorHandle,
} from '../../sandbox/simulators/dcimanager/dcimanager.simulator';
import { startImcoSimulator, type ImcoSimulatorHandle } from '../../sandbox/simulators/imco/imco.simulator';
import { startAnswerDelayProxy, type AnswerDelayProxy } from './crash-proxy';
import { sized } from './suite-size';

/**
 * The four simulated backends of a crash run, in the test process: they outlive every gateway process the
 * test kills, and the test counts what they hold at the end.
 */
export const BACKENDS = ['cloudmc', 'cloudsigma', 'dcimanager', 'imco'] as const;
export type BackendKind = (typeof BACKENDS)[number];

export const connectionOf = (kind: BackendKind) => `crash-${kind}`;

export interface Backends {
  cloudmc: CloudmcSimulatorHandle;
  cloudsigma: CloudsigmaSimulatorHandle;
  dcimanager: DcimanagerSimulatorHandle;
  imco: ImcoSimulatorHandle;
  /** Makes the backend wait `delayMs` before it acts on a create call (0: no wait, the default). */
  delayCreates(kind: BackendKind, delayMs: number): Promise<void>;
  /** Holds the backend's answers this long on their way back (default: the run's usual `ANSWER_DELAY_MS`). */
  delayAnswers(kind: BackendKind, delayMs?: number): void;
  /** Provider blocks for the gateway config, named by `connectionOf`. */
  providers(tuning: Record<string, unknown>): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Every answer of every backend is held this long (real ms) on its way back to the gateway, after the backend
 * acted: a kill then often lands between a create carried out and its answer heard (see crash-proxy.ts).
 */
export const ANSWER_DELAY_MS = sized(50, 100); // the short run has no time to spare for slow answers
/** The create calls of each backend (path patterns of their POSTs), for `delayCreates`. */
const CREATE_CALLS: Record<BackendKind, string> = {
  cloudmc: '/(instances|volumes|networks)$',
  cloudsigma: '/(create|clone)$',
  dcimanager: '/(owner|ip|operation_os)$',
  imco: '/(cloud/servers|storage/volumes|network/vpcs)$',
};
/** DCImanager "creates" take servers from a finite stock: enough more for every create of a full run. */
const EXTRA_STOCK = 96;

/** Makes the backend wait `delayMs` before it acts on a create call (replacing any earlier faults). */
async function delayCreates(handle: SimulatorHandle, kind: BackendKind, delayMs: number): Promise<void> {
  await fetch(`${handle.url}/__sim/faults`, { method: 'DELETE' });
  if (delayMs === 0) return;
  const response = await fetch(`${handle.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'delay', method: 'POST', path: CREATE_CALLS[kind], delayMs }),
  });
  if (!response.ok) throw new Error(`${kind} simulator refused the delay fault: ${await response.text()}`);
}

/** More free servers like the seeded south stock (no address: the create allocates one, a step of its own). */
function addStock(handle: DcimanagerSimulatorHandle, count: number): void {
  const model = handle.state.servers.get(111);
  if (!model) throw new Error('the DCImanager seed has no server 111 to copy');
  for (let i = 0; i < count; i++) {
    const id = 300 + i;
    handle.state.servers.set(id, {
      ...model,
      id,
      uuid: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
      name: `sb-r9-u${id}`,
      domain: `sb-r9-u${id}.dc.sandbox.example`,
      barcode: `SBX${id}`,
      serialNumber: `SN-SBX-${id}`,
      mac: `02:00:00:00:${(id >> 8).toString(16).padStart(2, '0')}:${(id & 255).toString(16).padStart(2, '0')}`,
      switchPorts: model.switchPorts.map((port) => ({ ...port, id: 700 + id })),
    });
  }
}

/** Starts the simulators at `speed` (10: a server create takes one to four seconds). */
export async function startBackends(speed: number): Promise<Backends> {
  const cloudmc = await startCloudmcSimulator({ speed });
  const cloudsigma = await startCloudsigmaSimulator({ speed });
  const dcimanager = await startDcimanagerSimulator({ speed });
  // The IMCO simulator's certificates: a folder of this run's own, removed by stop().
  const dataDir = mkdtempSync(join(tmpdir(), 'cloudmux-crash-sim-'));
  const imco = await startImcoSimulator({ speed, dataDir: join(dataDir, 'imco') });
  const handles = { cloudmc, cloudsigma, dcimanager, imco };
  addStock(dcimanager, EXTRA_STOCK);
  const proxies = {} as Record<BackendKind, AnswerDelayProxy>;
  for (const kind of BACKENDS)
    proxies[kind] = await startAnswerDelayProxy(handles[kind].connection.endpoint as string, ANSWER_DELAY_MS);
  return {
    ...handles,
    delayCreates: (kind, delayMs) => delayCreates(handles[kind], kind, delayMs),
    delayAnswers: (kind, delayMs = ANSWER_DELAY_MS) => {
      proxies[kind].delayMs = delayMs;
    },
    providers: (tuning) =>
      BACKENDS.map((kind) => ({
        name: connectionOf(kind),
        ...handles[kind].connection,
        // The gateway reaches every backend through its proxy (the port is the only difference).
        endpoint: (handles[kind].connection.endpoint as string).replace(/:\d+/, `:${proxies[kind].port}`),
        ...tuning,
        // A deleted server's boot drive goes with it, so a deleted server leaves nothing to count.
        ...(kind === 'cloudsigma' ? { deleteDrives: true } : {}),
      })),
    async stop() {
      for (const kind of BACKENDS) await proxies[kind].close();
      for (const kind of BACKENDS) await handles[kind].stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
