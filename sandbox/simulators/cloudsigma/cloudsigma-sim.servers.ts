import { randomUUID } from 'node:crypto';
import { busy, CloudsigmaSimError } from './cloudsigma-sim.errors';
import { DEVICE_KEY, type ServerRecord } from './cloudsigma-sim.model';
import { renderServer, usesTemporaryAddress } from './cloudsigma-sim.render';
import { SIM_IDS } from './cloudsigma-sim.seed';
import { applyServerConfig } from './cloudsigma-sim.server-config';
import type { CloudsigmaSimState } from './cloudsigma-sim.state';
import type { SimFields } from './cloudsigma-sim.text';

// Server create, set and the power actions (docs/providers/cloudsigma.md#power-actions). Start and stop take
// effect at once (jclouds' live test reads `active`/`stopped` right after); only the guest's ACPI shutdown takes
// time.

type Pairs = Array<[string, string | undefined]>;

/** What a command answers: one object, several, or list text (bare values or `type value` lines). */
export interface SimReply {
  status: number;
  object?: Pairs;
  objects?: Pairs[];
  text?: string;
}

const HOSTS = [SIM_IDS.hostA, SIM_IDS.hostB];

function notActive(state: CloudsigmaSimState, server: ServerRecord): CloudsigmaSimError {
  return new CloudsigmaSimError(
    400,
    'status',
    `Server ${server.uuid} is ${state.statusOf(server)}, not active.`,
  );
}

function powerOn(state: CloudsigmaSimState, server: ServerRecord): void {
  for (const [key, value] of server.config) {
    const drive = DEVICE_KEY.test(key) ? state.drives.get(value) : undefined;
    if (drive && state.imagingOf(drive) !== undefined)
      throw busy(key, `Drive ${value} is busy: it is still being imaged.`);
  }
  state.config.serverStatus.delete(server.uuid);
  server.status = 'active';
  server.started = state.nowSeconds();
  server.shuttingDown = false;
  server.tempIp = usesTemporaryAddress(server.config) ? state.allocateTemporary() : undefined;
}

/** Powers off; a server that is not persistent is destroyed instead (docs/providers/cloudsigma.md#servers). */
function powerOff(state: CloudsigmaSimState, server: ServerRecord): void {
  state.config.serverStatus.delete(server.uuid);
  server.status = 'stopped';
  server.started = undefined;
  server.tempIp = undefined;
  server.shuttingDown = false;
  if (server.config.get('persistent') !== 'true') state.servers.delete(server.uuid);
}

export function createServer(state: CloudsigmaSimState, fields: SimFields): SimReply {
  const config = applyServerConfig(state, null, fields);
  const server: ServerRecord = {
    uuid: randomUUID(),
    config,
    status: 'stopped',
    host: HOSTS[state.servers.size % HOSTS.length],
    rx: 0,
    tx: 0,
  };
  state.servers.set(server.uuid, server);
  if (state.config.createStarts) powerOn(state, server);
  return { status: 200, object: renderServer(state, server) };
}

export function setServer(state: CloudsigmaSimState, server: ServerRecord, fields: SimFields): SimReply {
  const running = state.statusOf(server) === 'active';
  // A forced raw status (dumped, dead...) counts as not running.
  const probe = running ? server : { ...server, status: 'stopped' as const };
  server.config = applyServerConfig(state, probe, fields);
  return { status: 200, object: renderServer(state, server) };
}

export function serverAction(state: CloudsigmaSimState, server: ServerRecord, action: string): SimReply {
  const active = state.statusOf(server) === 'active';
  switch (action) {
    case 'start':
      if (active) throw new CloudsigmaSimError(400, 'status', `Server ${server.uuid} is already active.`);
      powerOn(state, server);
      return state.config.startStatus === 200
        ? { status: 200, object: renderServer(state, server) }
        : { status: 204 };
    case 'stop':
      if (!active) throw notActive(state, server);
      powerOff(state, server);
      return { status: 204 };
    case 'shutdown':
      if (!active) throw notActive(state, server);
      if (!state.config.ignoreAcpi && !server.shuttingDown) {
        server.shuttingDown = true;
        state.clock.after(state.config.shutdownMs, () => {
          if (server.shuttingDown && server.status === 'active' && state.servers.get(server.uuid) === server)
            powerOff(state, server);
        });
      }
      return { status: 204 };
    case 'reset':
      if (!active) throw notActive(state, server);
      server.started = state.nowSeconds();
      server.shuttingDown = false;
      return { status: 204 };
    case 'destroy':
      if (active) throw busy('system', `Server ${server.uuid} is active: stop it before destroying it.`);
      state.servers.delete(server.uuid);
      state.config.serverStatus.delete(server.uuid);
      return { status: 204 };
    default:
      throw new Error(`unknown action ${action}`);
  }
}
