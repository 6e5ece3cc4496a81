import { asBody, optionalString } from './dcimanager-sim.body';
import { DCI_CODES, DciSimError, invalidValue, missingField } from './dcimanager-sim.errors';
import type { OperationRecord, ServerRecord } from './dcimanager-sim.model';
import { DURATIONS, type DciSimState } from './dcimanager-sim.state';

// Power, suspend/resume, ownership and edits of a server (docs/providers/dcimanager.md#server-endpoints,
// docs/providers/dcimanager.md#power-and-state).

export type PowerAction = 'power_on' | 'power_off' | 'power_reset';
export interface Accepted {
  id: number;
  task: number;
}

export const isRunning = (operation: OperationRecord | null) =>
  !!operation && (operation.status === 'created' || operation.status === 'running');

export function requireIdle(server: ServerRecord): void {
  if (isRunning(server.operation)) {
    throw new DciSimError(
      400,
      DCI_CODES.SERVER_BUSY,
      `Server ${server.id} is busy with operation ${server.operation!.id}`,
      {
        id: server.id,
        operation: server.operation!.id,
      },
    );
  }
}

export function requirePowerControl(server: ServerRecord): void {
  if (!server.hasIpmi) {
    throw new DciSimError(
      400,
      DCI_CODES.NO_POWER_CONTROL,
      `Server ${server.id} has no BMC or PDU to switch its power`,
      {
        id: server.id,
      },
    );
  }
}

/**
 * Hard power through the BMC: `power_on` when off or unknown, `power_off` only when on, `power_reset` always
 * (docs/providers/dcimanager.md#power-commands). The status changes when the command has run; there is no
 * transitional power value.
 */
export function powerAction(state: DciSimState, server: ServerRecord, action: PowerAction): Accepted {
  requireIdle(server);
  requirePowerControl(server);
  const refuse = (needed: string) =>
    new DciSimError(
      400,
      DCI_CODES.WRONG_POWER_STATE,
      `Cannot ${action.replace('_', ' ')} server ${server.id}: power status is ${server.power}, needs ${needed}`,
      { id: server.id, power_status: server.power },
    );
  if (action === 'power_on' && server.power === 'on') throw refuse('off or unknown');
  if (action === 'power_off' && server.power !== 'on') throw refuse('on');
  state.later(server, DURATIONS.power, () => {
    server.power = action === 'power_off' ? 'off' : 'on';
  });
  return { id: server.id, task: state.nextTaskId() };
}

/** Administrative block: the switch ports go down (suspend) or up again (resume); power is left alone. */
export function suspendAction(state: DciSimState, server: ServerRecord, resume: boolean): Accepted {
  const allowed = resume ? ['suspended', 'resume_error'] : ['ok', 'suspend_error'];
  if (!allowed.includes(server.state)) {
    throw new DciSimError(
      400,
      DCI_CODES.WRONG_STATE,
      `Cannot ${resume ? 'resume' : 'suspend'} a server in state ${server.state}`,
      {
        id: server.id,
        state: server.state,
      },
    );
  }
  server.state = resume ? 'resuming' : 'suspending';
  state.changed();
  state.later(server, DURATIONS.suspend, () => {
    server.state = resume ? 'ok' : 'suspended';
    for (const port of server.switchPorts) port.adminStatus = resume ? 'up' : 'down';
  });
  return { id: server.id, task: state.nextTaskId() };
}

export function assignOwner(state: DciSimState, server: ServerRecord, raw: unknown): { id: number } {
  const body = asBody(raw);
  if (body.owner === undefined || body.owner === null) throw missingField('owner');
  const ownerId = Number(body.owner);
  if (!state.users.some((u) => u.id === ownerId))
    throw invalidValue('owner', `No user ${JSON.stringify(body.owner)}`);
  if (server.ownerId !== null && server.ownerId !== ownerId) {
    throw new DciSimError(
      400,
      DCI_CODES.OWNED_BY_OTHER,
      `Server ${server.id} already belongs to another user`,
      {
        id: server.id,
      },
    );
  }
  server.ownerId = ownerId;
  state.changed();
  return { id: server.id };
}

export function releaseOwner(state: DciSimState, server: ServerRecord): { id: number } {
  server.ownerId = null;
  state.changed();
  return { id: server.id };
}

const EDITABLE = { name: 'name', domain: 'domain', note: 'note', user_note: 'userNote' } as const;

/** `POST /server/{id}`: edits the text fields; unknown fields are ignored. */
export function editServer(state: DciSimState, server: ServerRecord, raw: unknown): { id: number } {
  const body = asBody(raw);
  const changes = Object.entries(EDITABLE).filter(([field]) => body[field] !== undefined);
  if (changes.length === 0) throw missingField('name');
  for (const [field, key] of changes) {
    const value = optionalString(body, field) ?? '';
    if (value.length > 255) throw invalidValue(field, `Field '${field}' is longer than 255 characters`);
    if (field === 'name' && value.trim() === '') throw invalidValue(field, 'The name must not be empty');
    server[key] = value;
  }
  state.changed();
  return { id: server.id };
}
