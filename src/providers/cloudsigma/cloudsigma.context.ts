import { NeedsAttentionError, NotFoundError } from '../../common/errors/gateway-error';
import type { Claims } from '../ports/claims';
import type { CoalescedReader } from '../ports/coalesced-reader';
import type { Backoff } from '../ports/polling';
import type { KvObject } from './cloudsigma.codec';
import type { CloudsigmaClient } from './cloudsigma-http.client';
import { MARKER_KEY, type MapContext } from './cloudsigma.mapper';

/** What the CloudSigma resource services share. */
export interface CloudsigmaContext {
  client: CloudsigmaClient;
  map: MapContext;
  backoff: Backoff;
  /** Polls of servers and drives in flight, answered by one `/servers/info` or `/drives/info` per tick. */
  servers: CoalescedReader<KvObject>;
  drives: CoalescedReader<KvObject>;
  /** How long a guest gets to power off after an ACPI shutdown the gateway sent itself, before a hard stop. */
  shutdownGraceMs: number;
  /** Delete a server's drives with it. */
  deleteDrives: boolean;
  /** Leases shared by every gateway process of the connection (one IP create at a time). */
  claims: Claims;
}

const path = (kind: string, id: string, action: string) => `/${kind}/${encodeURIComponent(id)}/${action}`;
export const serverPath = (id: string, action: string) => path('servers', id, action);
export const drivePath = (id: string, action: string) => path('drives', id, action);
export const ipPath = (address: string, action: string) => path('resources/ip', address, action);
export const vlanPath = (id: string, action: string) => path('resources/vlan', id, action);

export const readServer = (context: CloudsigmaContext, id: string) =>
  context.client.object(serverPath(id, 'info'), 'server', 'servers.get');
export const readDrive = (context: CloudsigmaContext, id: string) =>
  context.client.object(drivePath(id, 'info'), 'drive', 'drives.get');
export const listServers = (context: CloudsigmaContext) =>
  context.client.objects('/servers/info', 'server', 'servers.list');
export const listDrives = (context: CloudsigmaContext) =>
  context.client.objects('/drives/info', 'drive', 'drives.list');

export async function requireServer(context: CloudsigmaContext, id: string): Promise<KvObject> {
  const server = await readServer(context, id);
  if (!server) throw new NotFoundError(`CloudSigma has no server '${id}'.`);
  return server;
}

export const statusOf = (object: KvObject | null) => (object?.status ?? '').toLowerCase();

/**
 * After a crash: the one object carrying this task's marker (`user:gwtask`, or the marker suffix of its name
 * for backends that dropped the metadata). Several cannot be told apart: a person must look.
 */
export function findMarked(objects: KvObject[], marker: string, idKey: string, what: string): string | null {
  const mine = objects.filter((o) => o[MARKER_KEY] === marker || !!o.name?.endsWith(`-${marker}`));
  if (mine.length > 1) {
    throw new NeedsAttentionError(
      `Several CloudSigma ${what} carry this task's marker; the gateway cannot tell which one it made.`,
    );
  }
  return mine[0]?.[idKey] ?? null;
}
