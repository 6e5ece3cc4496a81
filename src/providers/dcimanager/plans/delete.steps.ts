import { ConflictError, ValidationError } from '../../../common/errors/gateway-error';
import { pollDelay } from '../../kit/polling';
import type { OperationStep, StepOutcome } from '../../ports/operation-plan';
import { isBusy } from '../model/states';
import type { DcimanagerContext } from './context';
import { operationRef } from './wait.steps';

// "Delete" gives the server back to stock (docs/providers/dcimanager.md#delete-back-to-stock): after the
// power-off, wipe the disks as the connection says (`wipeOnDelete`), then clear the name and take the owner
// away.

/** Starts `operation_clear_hdd`; after a crash, an operation found running is taken as the one it started. */
export function wipeStep(context: DcimanagerContext): OperationStep {
  return {
    name: 'wipe-disks',
    idempotent: false,
    run: async (ctx): Promise<StepOutcome> => {
      const raw = await context.reads.requireOwned(ctx.nativeId!);
      if (isBusy(raw)) {
        if (!ctx.resumed)
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: 'busy',
          };
        ctx.state.wipeOperation = raw.operation?.id ?? null;
        return { status: 'done', providerStatus: 'adopted' };
      }
      try {
        const ack = await context.client.mutate(
          'POST',
          `/dci/v3/server/${raw.id}/operation_clear_hdd`,
          'server.operation_clear_hdd',
          {
            clear_hdd: context.wipeOnDelete,
          },
        );
        ctx.state.wipeOperation = ack.id ?? null;
        return { status: 'done', providerStatus: 'accepted', providerRef: operationRef(ack) };
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ConflictError(
          `DCImanager refused to wipe the disks${error.upstream?.message ? ` (${error.upstream.message})` : ''}; fix the server or set wipeOnDelete: none for this connection.`,
          { upstream: error.upstream },
        );
      }
    },
  };
}

/** Clears the name and gives the server back to stock; a server no longer ours is done already. */
export function releaseStep(context: DcimanagerContext): OperationStep {
  return {
    name: 'release',
    run: async (ctx) => {
      const raw = await context.reads.rawServer(ctx.nativeId!);
      if (!context.reads.isOwned(raw)) return { status: 'done', providerStatus: 'released' };
      if (isBusy(raw)) return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff) };
      await context.client.mutate('POST', `/dci/v3/server/${raw.id}`, 'server.edit', {
        user_note: '',
      });
      await context.client.mutate('DELETE', `/dci/v3/server/${raw.id}/owner`, 'server.release');
      return { status: 'done', providerStatus: 'released' };
    },
  };
}
