import { ConflictError, ValidationError } from '../../../common/errors/gateway-error';
import { untilListed } from '../../kit/coalesced-reader';
import { pollDelay, waitFor } from '../../kit/polling';
import { validItems } from '../../kit/wire';
import { hasMarker, markedName } from '../../ports/markers';
import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import { and, eq } from '../client/codec.where';
import { type DciIp, type DciServer, SERVER } from '../client/wire';
import { NO_INSTALL_ADDRESS } from '../dcimanager.actions';
import { noteOf, ownerEmailOf } from '../model/mapper';
import { isBusy } from '../model/states';
import type { DcimanagerContext } from './context';
import { type ServerView, operationRef, readView, taskRef } from './wait.steps';

// "Create" takes a server from stock (docs/providers/dcimanager.md#create-from-stock): choose a free one, mark and
// assign it, make sure it has a main IPv4 address (an OS install needs one), install the OS.

/** What `operation_os` installs: a create's install and a rebuild's (docs/providers/dcimanager.md#rebuild). */
export interface InstallSpec {
  imageId: string;
  sshPublicKeys: string[];
  /** A secret: only ever in the `operation_os` body, never in step state or a provider status. */
  password?: string;
  hddRaid?: string;
}

export interface CreateSpec extends InstallSpec {
  name: string;
  configuration: string;
  locationId?: string;
  ipPoolId?: number;
}

const CANDIDATES = 20;
/** Further windows of the free list looked at, at random offsets, when every server of the first is leased. */
const MORE_WINDOWS = 3;
const MAX_RECHOICES = 5;
const CLAIM_MS = 15 * 60_000;

const isV4 = (ip: DciIp) => (ip.family ? ip.family.toLowerCase() === 'ipv4' : !ip.name.includes(':'));
const failedIp = (ip: DciIp) => /fail/i.test(ip.status ?? '');
const liveV4 = (raw: DciServer) =>
  (raw.ip ?? []).filter((ip) => isV4(ip) && !failedIp(ip) && ip.status !== 'deleting');

/** The lease key of a stock server, shared by every gateway process's creates on this connection. */
const claimKey = (id: number) => `server:${id}`;

/**
 * A free server of the plan (and location), chosen at random among a window of the free list so that creates
 * spread, and leased to this task (in Redis) so that a create running in another worker does not pick it meanwhile.
 * When every server of the first window is leased to other creates, a few windows at random offsets of the rest
 * are looked at (the bench's 2,500 creates in flight found the first 20 always leased and failed with free stock
 * left); null when all of them were leased too (the caller waits and picks again), 409 when the stock is empty.
 */
async function pickFree(
  context: DcimanagerContext,
  spec: CreateSpec,
  exclude: number[],
  taskId: string,
): Promise<number | null> {
  const where = and(
    eq('owner_email', null),
    eq('is_new', false),
    eq('configuration', spec.configuration),
    spec.locationId ? eq('location_id', Number(spec.locationId)) : undefined,
  );
  let seen = 0;
  let total: number | undefined;
  for (let window = 0; window <= MORE_WINDOWS; window++) {
    const offset =
      window === 0 ? 0 : CANDIDATES + Math.floor(Math.random() * Math.max(0, (total ?? 0) - CANDIDATES));
    if (window > 0 && (total === undefined || total <= CANDIDATES)) break;
    const { list, size } = await context.client.page(
      '/dci/v3/server',
      { where, orderby: 'id asc', offset, count: CANDIDATES },
      'server.list',
    );
    total ??= size;
    // A malformed stock server is never chosen: the steps after this one could not read it.
    const usable = (await validItems(list, SERVER)).valid.filter(
      (s) =>
        !ownerEmailOf(s) &&
        !s.is_new &&
        !isBusy(s) &&
        (s.state ?? 'ok').toLowerCase() === 'ok' &&
        !exclude.includes(s.id),
    );
    seen += usable.length;
    for (let left = usable.length; left > 0; left--) {
      const [candidate] = usable.splice(Math.floor(Math.random() * left), 1);
      if (await context.claims.claim(claimKey(candidate.id), taskId, CLAIM_MS)) return candidate.id;
    }
  }
  if (seen > 0) return null;
  const place = spec.locationId ? ` in location ${spec.locationId}` : '';
  throw new ConflictError(
    `No free DCImanager server with configuration '${spec.configuration}'${place}: the stock is empty. See GET /v1/providers/{name}/plans for what is available.`,
    { extensions: { configuration: spec.configuration, available: 0 } },
  );
}

/** Picks the server and keeps the choice in the task, so that a resumed task goes on with the same one. */
export function chooseStep(context: DcimanagerContext, spec: CreateSpec): OperationStep {
  return {
    name: 'choose-server',
    async run(ctx): Promise<StepOutcome> {
      if (typeof ctx.state.serverId === 'number')
        return { status: 'done', nativeId: String(ctx.state.serverId) };
      const id = await pickFree(context, spec, [], ctx.taskId);
      // Free servers, each leased to another create right now: one of them (or the next) is ours after a poll.
      if (id === null)
        return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerStatus: 'leased' };
      ctx.state.serverId = id;
      ctx.state.tried = [id];
      return { status: 'done', nativeId: String(id), providerStatus: 'chosen' };
    },
  };
}

async function rechoose(
  context: DcimanagerContext,
  spec: CreateSpec,
  ctx: StepContext,
): Promise<StepOutcome> {
  const tried = (ctx.state.tried as number[] | undefined) ?? [];
  if (tried.length > MAX_RECHOICES) {
    throw new ConflictError('Free servers of this configuration kept being taken by others; try again.');
  }
  await context.claims.release(claimKey(ctx.state.serverId as number), ctx.taskId);
  const next = await pickFree(context, spec, tried, ctx.taskId);
  if (next === null)
    throw new ConflictError('Free servers of this configuration kept being taken by others; try again.');
  ctx.state.serverId = next;
  ctx.state.tried = [...tried, next];
  return { status: 'wait', delayMs: 10, nativeId: String(next), providerStatus: 'rechosen' };
}

/** Once the server is ours, the lease that kept other creates off it is no longer needed. */
async function assigned(context: DcimanagerContext, id: string, taskId: string): Promise<StepOutcome> {
  await context.claims.release(claimKey(Number(id)), taskId);
  return { status: 'done', nativeId: id, providerStatus: 'assigned' };
}

/**
 * Marks the chosen server with this task (in `user_note`, where the caller's name lives) and assigns it to the
 * owner. A server already ours with our mark is done; one taken meanwhile (by anyone, or ours without our
 * mark) is given up for another free one. The mark goes first, so a crash never leaves an unmarked server of ours.
 */
export function assignStep(context: DcimanagerContext, spec: CreateSpec): OperationStep {
  return {
    name: 'assign-owner',
    idempotent: false,
    async run(ctx): Promise<StepOutcome> {
      const id = String(ctx.state.serverId);
      const raw = await context.reads.rawServer(id);
      const mine = hasMarker(noteOf(raw), ctx.taskId);
      if (context.reads.isOwned(raw) && mine) return assigned(context, id, ctx.taskId);
      if (!raw || ownerEmailOf(raw) || raw.is_new) return rechoose(context, spec, ctx);
      const owner = await context.reads.ownerId();
      if (!mine)
        await context.client.mutate('POST', `/dci/v3/server/${id}`, 'server.edit', {
          user_note: markedName(spec.name, ctx.taskId),
        });
      try {
        await context.client.mutate('POST', `/dci/v3/server/${id}/owner`, 'server.owner', { owner });
      } catch (error) {
        if (error instanceof ValidationError || error instanceof ConflictError)
          return rechoose(context, spec, ctx);
        throw error;
      }
      const after = await context.reads.rawServer(id);
      if (context.reads.isOwned(after) && hasMarker(noteOf(after), ctx.taskId))
        return assigned(context, id, ctx.taskId);
      return rechoose(context, spec, ctx);
    },
  };
}

/** Allocates a main IPv4 address when the server has none; an address already there (ours after a crash) is kept. */
export function ensureIpStep(context: DcimanagerContext, spec: CreateSpec): OperationStep {
  return {
    name: 'ensure-main-ip',
    idempotent: false,
    async run(ctx): Promise<StepOutcome> {
      const raw = await context.reads.requireOwned(ctx.nativeId!);
      const present = liveV4(raw);
      if (raw.main_ipv4 || present.length)
        return { status: 'done', providerStatus: present[0]?.status ?? 'ok' };
      const ack = await context.client.mutate('POST', `/dci/v3/server/${raw.id}/ip`, 'server.ip.allocate', {
        family: 'ipv4',
        set_as_main_ipv4: true,
        ...(spec.ipPoolId ? { ip_pool: spec.ipPoolId } : {}),
      });
      return { status: 'done', providerStatus: 'allocating', providerRef: taskRef(ack) };
    },
  };
}

export function waitIpStep(context: DcimanagerContext): OperationStep {
  const step = waitFor<ServerView>({
    name: 'wait-main-ip',
    read: (ctx) => readView(context, ctx.nativeId!, ctx.stepStartedAt),
    done: (view) => liveV4(view.raw).some((ip) => (ip.status ?? 'ok').toLowerCase() === 'ok'),
    failed: (view) =>
      liveV4(view.raw).length === 0 && (view.raw.ip ?? []).some(failedIp)
        ? 'DCImanager could not allocate a main IPv4 address for the server.'
        : null,
    whenMissing: 'fail',
    backoff: context.backoff,
    describe: (view) => ({ providerStatus: liveV4(view.raw)[0]?.status ?? 'allocating' }),
  });
  return untilListed(step);
}

/**
 * Starts `operation_os`; after a crash, an operation found running is taken as the one this step started. A resumed
 * step that finds none sends the install again: a second install ends as the first would (the image freshly
 * installed with the same keys), where skipping it could report an install that never happened
 * (docs/providers/dcimanager.md#rebuild). With `needsMainIp` (a rebuild, which allocates nothing), a server
 * without a main IPv4 address is a conflict before the call.
 */
export function installStep(
  context: DcimanagerContext,
  spec: InstallSpec,
  options: { needsMainIp?: boolean } = {},
): OperationStep {
  return {
    name: 'install-os',
    idempotent: false,
    async run(ctx): Promise<StepOutcome> {
      const raw = await context.reads.requireOwned(ctx.nativeId!);
      if (isBusy(raw)) {
        if (!ctx.resumed)
          return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerStatus: 'busy' };
        ctx.state.osOperation = raw.operation?.id ?? null;
        return { status: 'done', providerStatus: 'adopted' };
      }
      if (options.needsMainIp && !raw.main_ipv4)
        throw new ConflictError(`${NO_INSTALL_ADDRESS}.`, {
          extensions: { currentState: 'no main IPv4 address' },
        });
      const ack = await context.client.mutate(
        'POST',
        `/dci/v3/server/${raw.id}/operation_os`,
        'server.operation_os',
        {
          os_template_id: Number(spec.imageId),
          ...(spec.password ? { password: spec.password } : {}),
          ...(spec.sshPublicKeys.length ? { ssh_pub_keys: spec.sshPublicKeys } : {}),
          ...(spec.hddRaid ? { hdd_raid: spec.hddRaid } : {}),
        },
      );
      ctx.state.osOperation = ack.id ?? null;
      return {
        status: 'done',
        providerStatus: 'accepted',
        providerRef: operationRef(ack),
      };
    },
  };
}

/** After a failed create: the chosen server goes back to stock, unless an operation still runs on it. */
export async function releaseChosen(context: DcimanagerContext, ctx: StepContext): Promise<void> {
  const id = ctx.state.serverId;
  if (typeof id !== 'number') return;
  await context.claims.release(claimKey(id), ctx.taskId);
  const raw = await context.reads.rawServer(String(id));
  if (!raw || !hasMarker(noteOf(raw), ctx.taskId)) return;
  if (isBusy(raw)) {
    context.logger.warn('a failed create left its server assigned: an operation still runs on it', {
      serverId: id,
    });
    return;
  }
  await context.client.mutate('POST', `/dci/v3/server/${id}`, 'server.edit', { user_note: '' });
  if (context.reads.isOwned(raw))
    await context.client.mutate('DELETE', `/dci/v3/server/${id}/owner`, 'server.release');
}
