import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';

/**
 * Whether a DCImanager simulator has the server back in stock (no owner), as a delete leaves it: a bare-metal
 * server is never destroyed, only given back. Other kinds: null (the gateway's fresh read tells).
 */
export function backInStock(kind: string, simulator: SimulatorHandle, nativeId: string): boolean | null {
  if (kind !== 'dcimanager') return null;
  const state = (simulator as unknown as { state: { servers: Map<number, { ownerId: number | null }> } })
    .state;
  const server = state.servers.get(Number(nativeId));
  return server !== undefined && server.ownerId === null;
}
