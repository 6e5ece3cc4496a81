import { ConflictError, NotFoundError } from '../../../common/errors/gateway-error';
import { untilListed } from '../../kit/coalesced-reader';
import type { OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import { PATHS, seg } from '../client/http.client';
import { ImcoServer } from '../client/wire';
import type { ImServer } from '../client/wire.types';
import { stateIs } from '../model/states';
import type { ImcoContext } from './context';
import { requireServer } from './reads';
import { lastServerError, later, Unreadable, waitGone, waitState } from './wait.steps';

// Server power steps: boot, shutdown, reboot, and the shutdown-then-decommission of a delete. Each reads the
// server, acts only in the state the action needs, sits out transitional states, and refuses the others with a
// conflict naming the current state (docs/providers/imco.md#state-rules).

function wrongState(server: ImServer, action: string, expected: string[]): ConflictError {
  return new ConflictError(
    `Cannot ${action} an IMCO server that is ${server.state ?? 'in an unknown state'}; it must be ${expected.join(' or ')}.`,
    { extensions: { currentState: server.state ?? null, expectedStates: expected } },
  );
}

async function act(ctx: ImcoContext, server: ImServer, action: string): Promise<StepOutcome> {
  const answer = await ctx.client.send<ImServer>(
    'PUT',
    `${PATHS.servers}/${seg(server.id)}/${action}`,
    `servers.${action}`,
  );
  return { status: 'done', providerStatus: answer?.state ?? undefined };
}

/** A failure message for a server that stalled, with the cause from its newest error event. */
async function stalled(ctx: ImcoContext, server: ImServer, during: string): Promise<string | null> {
  if (!stateIs(server, 'stalled', 'commission_stalled')) return null;
  const cause = await lastServerError(ctx, server.id);
  return `The IMCO server went to ${server.state} during ${during}${cause ? ` (${cause})` : ''}.`;
}

/** boot when inactive; override a stalled server when the connection allows it. */
export function bootStep(ctx: ImcoContext, name = 'boot'): OperationStep {
  return {
    name,
    async run(step) {
      const server = await requireServer(ctx, step.nativeId!);
      if (stateIs(server, 'operational', 'booting', 'bootstrapping'))
        return { status: 'done', providerStatus: server.state ?? undefined };
      if (stateIs(server, 'inactive')) return act(ctx, server, 'boot');
      if (stateIs(server, 'commissioning', 'shutting_down')) return later(ctx, step, server.state);
      if (stateIs(server, 'stalled') && ctx.overrideStalled) return act(ctx, server, 'override');
      throw wrongState(server, 'start', ctx.overrideStalled ? ['inactive', 'stalled'] : ['inactive']);
    },
  };
}

export function waitOperational(ctx: ImcoContext, during: string): OperationStep {
  return waitState<ImServer>(ctx, {
    name: 'wait-operational',
    reader: ctx.polled.servers,
    done: (server) => stateIs(server, 'operational'),
    failed: (server) => stalled(ctx, server, during),
    whenMissing: 'wait',
  });
}

export function shutdownStep(ctx: ImcoContext): OperationStep {
  return {
    name: 'shutdown',
    async run(step) {
      const server = await requireServer(ctx, step.nativeId!);
      if (stateIs(server, 'inactive', 'shutting_down'))
        return { status: 'done', providerStatus: server.state ?? undefined };
      if (stateIs(server, 'operational')) return act(ctx, server, 'shutdown');
      if (stateIs(server, 'commissioning', 'booting', 'bootstrapping')) return later(ctx, step, server.state);
      throw wrongState(server, 'stop', ['operational']);
    },
  };
}

export function waitInactive(ctx: ImcoContext): OperationStep {
  return waitState<ImServer>(ctx, {
    name: 'wait-inactive',
    reader: ctx.polled.servers,
    done: (server) => stateIs(server, 'inactive'),
    failed: (server) => stalled(ctx, server, 'shutdown'),
    whenMissing: 'wait',
  });
}

/** reboot when operational; a server already (re)booting counts as rebooted. */
export function rebootStep(ctx: ImcoContext): OperationStep {
  return {
    name: 'reboot',
    async run(step) {
      const server = await requireServer(ctx, step.nativeId!);
      if (stateIs(server, 'operational')) return act(ctx, server, 'reboot');
      if (stateIs(server, 'booting', 'bootstrapping'))
        return { status: 'done', providerStatus: server.state ?? undefined };
      throw wrongState(server, 'reboot', ['operational']);
    },
  };
}

/** The steps of a delete: shut down if running, decommission, and wait for the 404. */
export function decommissionSteps(ctx: ImcoContext): OperationStep[] {
  const read = (step: StepContext) =>
    ctx.client.get<ImServer>(`${PATHS.servers}/${seg(step.nativeId!)}`, 'servers.get', ImcoServer);
  const quiet = ['inactive', 'stalled', 'commission_stalled', 'decommissioning'];
  return [
    {
      name: 'shutdown',
      async run(step) {
        const server = await read(step);
        if (!server || stateIs(server, ...quiet, 'shutting_down'))
          return { status: 'done', providerStatus: server?.state ?? 'deleted' };
        if (stateIs(server, 'operational')) return act(ctx, server, 'shutdown');
        return later(ctx, step, server.state);
      },
    },
    untilListed({
      name: 'wait-inactive',
      async run(step) {
        const server = await ctx.polled.servers.get(step.nativeId!, step.stepStartedAt);
        if (server instanceof Unreadable) return later(ctx, step, server.providerStatus);
        if (!server || stateIs(server, ...quiet))
          return { status: 'done', providerStatus: server?.state ?? 'deleted' };
        return later(ctx, step, server.state);
      },
    }),
    {
      name: 'decommission',
      async run(step) {
        const server = await read(step);
        if (!server || stateIs(server, 'decommissioning'))
          return { status: 'done', providerStatus: server?.state ?? 'deleted' };
        if (!stateIs(server, ...quiet)) return later(ctx, step, server.state);
        try {
          const answer = await ctx.client.send<ImServer>(
            'DELETE',
            `${PATHS.servers}/${seg(server.id)}`,
            'servers.decommission',
          );
          return { status: 'done', providerStatus: answer?.state ?? 'decommissioning' };
        } catch (error) {
          if (error instanceof NotFoundError) return { status: 'done', providerStatus: 'deleted' };
          throw error;
        }
      },
    },
    waitGone<ImServer>(ctx, 'wait-deleted', ctx.polled.servers, PATHS.servers, (server) =>
      stalled(ctx, server, 'decommissioning'),
    ),
  ];
}
