import { NeedsAttentionError, NotFoundError } from '../../common/errors/gateway-error';
import type { Claims } from '../ports/claims';
import type { Backoff } from '../ports/polling';
import type { ListLimits } from '../ports/wire';
import type { KvObject } from './cloudsigma.codec';
import type { CloudsigmaClient } from './cloudsigma-http.client';
import { MARKER_KEY, type MapContext } from './cloudsigma.mapper';
import type { PolledReader } from './cloudsigma-readers';
import { CloudsigmaDrive, CloudsigmaServer } from './cloudsigma.wire';
import { checked, ofType } from '../ports/wire';

/** What the CloudSigma resource services share. */
export interface CloudsigmaContext {
  client: CloudsigmaClient;
  map: MapContext;
  backoff: Backoff;
  /**
   * Polls of servers and drives in flight, answered by one `/servers/info` or `/drives/info` per tick; an object
   * that fails its checks is `Unreadable` there, never missing.
   */
  servers: PolledReader;
  drives: PolledReader;
  /** How many items of one list answer are mapped (`maxListItems`). */
  limits: ListLimits;
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

/** A server as CloudSigma sent it, or null when it does not exist (the port's `get` checks it itself). */
export const fetchServer = (context: CloudsigmaContext, id: string) =>
  context.client.object(serverPath(id, 'info'), 'server', 'servers.get');
/** A drive as CloudSigma sent it, or null when it does not exist. */
export const fetchDrive = (context: CloudsigmaContext, id: string) =>
  context.client.object(drivePath(id, 'info'), 'drive', 'drives.get');

/** A server the steps can rely on: null when it does not exist, 502 `provider_error` when malformed. */
export async function readServer(context: CloudsigmaContext, id: string): Promise<KvObject | null> {
  const server = await fetchServer(context, id);
  return server && checked(server, CloudsigmaServer);
}

/** A drive the steps can rely on: null when it does not exist, 502 `provider_error` when malformed. */
export async function readDrive(context: CloudsigmaContext, id: string): Promise<KvObject | null> {
  const drive = await fetchDrive(context, id);
  return drive && checked(drive, CloudsigmaDrive);
}

/** Every server object as sent (the servers list checks each one). */
export const fetchServers = (context: CloudsigmaContext) =>
  context.client.objects('/servers/info', 'server', 'servers.list');
/** Every drive object as sent. */
export const fetchDrives = (context: CloudsigmaContext) =>
  context.client.objects('/drives/info', 'drive', 'drives.list');

/** The servers that pass their checks, for what reads them as context (attachments, address holders, steps). */
export const listServers = async (context: CloudsigmaContext) =>
  ofType(await fetchServers(context), CloudsigmaServer);
/** The drives that pass their checks. */
export const listDrives = async (context: CloudsigmaContext) =>
  ofType(await fetchDrives(context), CloudsigmaDrive);

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
