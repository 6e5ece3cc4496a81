import { DEFAULT_PRIVATE_POOL, SERVER_PUBLIC_POOL, freeHost, parseCidr } from './imco-sim.addresses';
import type { ServerRecord } from './imco-sim.model';
import { DURATIONS, type ImcoSimState } from './imco-sim.state';

// The server state machine (docs/providers/imco.md#server-states): each action checks the documented
// precondition, moves the server to its transitional state at once (the answer shows it) and settles it later on
// a timer.

const ALL_USED = (state: ImcoSimState) =>
  [...state.servers.values()].flatMap((s) => [s.privateIp, s.publicIp]);

function privateAddress(state: ImcoSimState, server: ServerRecord): string {
  const subnet = server.subnetId ? state.subnets.get(server.subnetId) : undefined;
  const pool = (subnet && parseCidr(subnet.cidr)) ?? DEFAULT_PRIVATE_POOL;
  return state.allocate(pool, ALL_USED(state), 'private');
}

function stall(
  state: ImcoSimState,
  server: ServerRecord,
  to: 'stalled' | 'commission_stalled',
  what: string,
): void {
  server.state = to;
  state.event(
    'error',
    `Server ${server.name} stalled`,
    `${what} failed: the cloud provider did not answer in time (simulated failure).`,
    server.id,
  );
}

function requireState(state: ImcoSimState, server: ServerRecord, event: string, allowed: string[]): void {
  if (!allowed.includes(server.state)) throw state.refuse('a server', event, server.state, allowed);
}

/** `POST /cloud/servers`: the server exists at once, `commissioning`, and turns `inactive` when commissioned. */
export function commission(state: ImcoSimState, server: ServerRecord): void {
  state.servers.set(server.id, server);
  state.event('info', `Server ${server.name} commissioning`, 'The server is being commissioned.', server.id);
  state.settle(state.servers, server, 'commissioning', DURATIONS.commission, () => {
    if (state.takeFailure('servers.commission'))
      return stall(state, server, 'commission_stalled', 'Commissioning');
    server.privateIp = privateAddress(state, server);
    server.state = 'inactive';
    state.event(
      'info',
      `Server ${server.name} commissioned`,
      'The server is commissioned and inactive.',
      server.id,
    );
  });
}

/** booting → bootstrapping (the cloud VM is up: it gets its public address) → operational. */
function bootSequence(
  state: ImcoSimState,
  server: ServerRecord,
  operation: 'servers.boot' | 'servers.reboot',
): void {
  server.state = 'booting';
  state.settle(state.servers, server, 'booting', DURATIONS.booting, () => {
    if (!server.privateness && !server.publicIp) {
      // Out of addresses the cloud cannot bring the VM up: it stalls (a throw here, in a timer, ended the process).
      const used = [...ALL_USED(state)].filter((address): address is string => !!address);
      const free = freeHost(SERVER_PUBLIC_POOL, new Set(used));
      if (!free) return stall(state, server, 'stalled', 'Assigning a public address');
      server.publicIp = free;
    }
    server.state = 'bootstrapping';
    state.settle(state.servers, server, 'bootstrapping', DURATIONS.bootstrapping, () => {
      if (state.takeFailure(operation)) return stall(state, server, 'stalled', 'Bootstrapping');
      server.state = 'operational';
      state.event(
        'info',
        `Server ${server.name} is operational`,
        'The server finished bootstrapping.',
        server.id,
      );
    });
  });
}

export function boot(state: ImcoSimState, server: ServerRecord): void {
  requireState(state, server, 'boot', ['inactive']);
  bootSequence(state, server, 'servers.boot');
}

export function reboot(state: ImcoSimState, server: ServerRecord): void {
  requireState(state, server, 'reboot', ['operational']);
  if (state.config.rebootStyle === 'booting') return bootSequence(state, server, 'servers.reboot');
  // The other reading of the docs (docs/providers/imco.md#server-states): the server stays operational while it
  // restarts.
  state.clock.after(DURATIONS.booting, () => {
    if (state.servers.get(server.id) !== server || server.state !== 'operational') return;
    if (state.takeFailure('servers.reboot')) return stall(state, server, 'stalled', 'Reboot');
    state.event('info', `Server ${server.name} rebooted`, 'The server restarted.', server.id);
  });
}

export function shutdown(state: ImcoSimState, server: ServerRecord): void {
  requireState(state, server, 'shutdown', ['operational']);
  server.state = 'shutting_down';
  state.settle(state.servers, server, 'shutting_down', DURATIONS.shutdown, () => {
    if (state.takeFailure('servers.shutdown')) return stall(state, server, 'stalled', 'Shutdown');
    server.state = 'inactive';
    state.event('info', `Server ${server.name} is inactive`, 'The server was shut down.', server.id);
  });
}

/** "At the user's own risk": a stalled server is declared operational at once. */
export function override(state: ImcoSimState, server: ServerRecord): void {
  requireState(state, server, 'override', ['stalled']);
  server.state = 'operational';
  state.event(
    'warning',
    `Server ${server.name} overridden`,
    'The server was forced to operational by the user.',
    server.id,
  );
}

/**
 * `DELETE /cloud/servers/{id}`: decommissioning, then the server is gone (404). Its volumes and floating IPs are
 * detached and stay.
 */
export function decommission(state: ImcoSimState, server: ServerRecord): void {
  requireState(state, server, 'decommission', ['inactive', 'stalled', 'commission_stalled']);
  server.state = 'decommissioning';
  state.settle(state.servers, server, 'decommissioning', DURATIONS.decommission, () => {
    if (state.takeFailure('servers.decommission')) return stall(state, server, 'stalled', 'Decommissioning');
    state.servers.delete(server.id);
    for (const volume of state.volumes.values()) {
      if (volume.attachedServerId !== server.id) continue;
      volume.attachedServerId = null;
      volume.device = null;
      volume.state = 'detached';
    }
    for (const ip of state.floatingIps.values()) {
      if (ip.attachedServerId !== server.id) continue;
      ip.attachedServerId = null;
      ip.state = 'detached';
    }
    state.event('info', `Server ${server.name} decommissioned`, 'The server was decommissioned.', server.id);
  });
}
