import type { BackendKind, FaultBackend } from './faults-gateway';
import type { GatewayCaller } from './faults-http';

/** Well-formed native ids no simulator holds: a read of one reaches the backend and is never cached. */
export const UNKNOWN_SERVER: Record<BackendKind, string> = {
  cloudmc: '00000000-0000-4000-8000-00000000fa17',
  cloudsigma: '00000000-0000-4000-8000-00000000fa17',
  dcimanager: '999999',
  imco: 'fa17000000000000000000fa',
};

export type ResourceKind = 'server' | 'volume' | 'network' | 'ip';

/** The simulator `/__sim/state` count that holds one backend's resources of a type. */
export const SIM_COUNT: Record<BackendKind, Partial<Record<ResourceKind, string>>> = {
  cloudmc: { server: 'instances', volume: 'volumes', network: 'networks', ip: 'publicipaddresses' },
  cloudsigma: { server: 'servers', volume: 'drives', network: 'vlans', ip: 'ips' },
  dcimanager: { server: 'owned', ip: 'ips' },
  imco: { server: 'servers', volume: 'volumes', network: 'vpcs', ip: 'floating_ips' },
};

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForTheGateway faults@example.test';

interface CatalogItem {
  id: string;
  name: string;
  custom?: boolean;
  available?: number | null;
}

/** A create body as a client builds it from the catalog (bare metal: a plan in stock, an OS, an SSH key). */
export async function serverCreateBody(
  caller: GatewayCaller,
  backend: FaultBackend,
  name: string,
): Promise<Record<string, unknown>> {
  const catalog = async (what: string) =>
    (await caller.get<{ items: CatalogItem[] }>(`/v1/providers/${backend.name}/${what}`)).body.items;
  const [images, plans] = await Promise.all([catalog('images'), catalog('plans')]);
  const fixed = plans.filter((plan) => !plan.custom);
  if (backend.kind !== 'dcimanager')
    return { provider: backend.name, name, imageId: images[0].id, planId: fixed[0].id };
  const stocked = [...fixed].sort((a, b) => (b.available ?? 0) - (a.available ?? 0))[0];
  return {
    provider: backend.name,
    name,
    imageId: images.find((image) => image.name.startsWith('Debian'))!.id,
    planId: stocked.id,
    locationId: (await catalog('locations'))[0].id,
    sshPublicKeys: [SSH_KEY],
  };
}

/** Bare metal has no orderly shutdown through the gateway (501 without `force`). */
export function stopBody(kind: BackendKind): { force: boolean } {
  return { force: kind === 'dcimanager' };
}

/**
 * What a backend keeps, by design, after a resource was created and deleted through the gateway: CloudSigma
 * 1.0 keeps a deleted server's drives (unless the connection sets `deleteDrives`).
 */
export const KEPT_AFTER_DELETE: Partial<
  Record<BackendKind, Partial<Record<ResourceKind, Record<string, number>>>>
> = {
  cloudsigma: { server: { drives: 1 } },
};
/**
 * Counts no create accounts for exactly: IMCO's event log only grows, and a create leaves one marker label, or
 * none when the label call's answer was lost (it then falls back to matching names); labels cannot repeat.
 */
export const UNCOUNTED: Partial<Record<BackendKind, string[]>> = { imco: ['events', 'labels'] };

/** The state-changing calls of a server create, per backend (`METHOD` and a path pattern for `/__sim/faults`). */
export const CREATE_CALLS: Record<BackendKind, Array<{ method: string; path: string }>> = {
  cloudmc: [{ method: 'POST', path: '/instances$' }],
  cloudsigma: [
    { method: 'POST', path: '/clone$' },
    { method: 'POST', path: '/servers/create$' },
  ],
  dcimanager: [
    { method: 'POST', path: '/owner$' },
    { method: 'POST', path: '/operation_os$' },
  ],
  imco: [
    { method: 'POST', path: '/labels$' },
    { method: 'POST', path: '/cloud/servers$' },
    { method: 'PUT', path: '/boot$' },
  ],
};
