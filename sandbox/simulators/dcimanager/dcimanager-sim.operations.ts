import {
  asBody,
  optionalBoolean,
  optionalEnum,
  optionalId,
  optionalString,
  optionalStrings,
  requiredId,
} from './dcimanager-sim.body';
import { DCI_CODES, DciSimError, invalidValue, missingField } from './dcimanager-sim.errors';
import type { OperationKind, OperationRecord, ServerRecord } from './dcimanager-sim.model';
import { disksOf } from './dcimanager-sim.render';
import { type Accepted, requireIdle, requirePowerControl } from './dcimanager-sim.servers';
import { DURATIONS, type DciSimState } from './dcimanager-sim.state';

// Long operations shown in `server.operation` (docs/providers/dcimanager.md#long-operations): OS install, disk
// wipe, diagnostics.

const RAIDS = ['no_raid', 'raid_0', 'raid_1', 'raid_5', 'raid_10'] as const;
const RAID_MIN_DISKS: Record<(typeof RAIDS)[number], number> = {
  no_raid: 1,
  raid_0: 2,
  raid_1: 2,
  raid_5: 3,
  raid_10: 4,
};
const CLEAR = ['none', 'simple', 'full'] as const;

interface Plan {
  kind: OperationKind;
  stages: string[];
  stageMs: number;
  failure: 'operation_os' | 'operation_clear_hdd' | 'operation_diag';
  /** Applied when the last stage completes. */
  finish(server: ServerRecord): void;
  /** Applied when the operation fails. */
  fail?(server: ServerRecord): void;
}

/**
 * Starts an operation: status `created`, then `running` stage by stage (`progress_info` lists every stage
 * with `pending`/`running`/`complete`/`fail`). Success clears `operation` (or leaves it `complete` when the
 * `keepFinishedOperation` switch is on); failure leaves it with status `fail` and a message in `status_info`.
 */
function start(state: DciSimState, server: ServerRecord, plan: Plan): Accepted {
  const failing = state.takeFailure(plan.failure);
  const failAt = Math.floor(plan.stages.length / 2);
  const operation: OperationRecord = {
    id: state.nextOperationId(),
    kind: plan.kind,
    status: 'created',
    statusInfo: {},
    stages: plan.stages.map((name) => ({ name, status: 'pending' })),
  };
  server.operation = operation;
  state.changed();
  let index = 0;
  const next = () => {
    if (server.operation !== operation) return;
    if (index > 0) operation.stages[index - 1].status = 'complete';
    if (failing && index === failAt) {
      operation.stages[index].status = 'fail';
      operation.status = 'fail';
      operation.statusInfo = { msg: `Stage ${operation.stages[index].name} failed (simulated failure)` };
      plan.fail?.(server);
      return;
    }
    if (index === operation.stages.length) {
      plan.finish(server);
      operation.status = 'complete';
      if (!state.config.keepFinishedOperation) server.operation = null;
      return;
    }
    operation.status = 'running';
    operation.stages[index++].status = 'running';
    state.later(server, plan.stageMs, next);
  };
  state.later(server, 200, next);
  return { id: operation.id, task: state.nextTaskId() };
}

export function installOs(state: DciSimState, server: ServerRecord, raw: unknown): Accepted {
  const body = asBody(raw);
  const templateId = requiredId(body, 'os_template_id');
  const template = state.osTemplates.find((t) => t.id === templateId);
  if (!template) throw invalidValue('os_template_id', `No OS template ${templateId}`, { value: templateId });
  const password = optionalString(body, 'password');
  const keys = optionalStrings(body, 'ssh_pub_keys') ?? [];
  if (password !== undefined && password.length < 6)
    throw invalidValue('password', 'The password needs at least 6 characters');
  if (!password && keys.length === 0) throw missingField('password');
  if (keys.some((key) => !/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) \S+/.test(key)))
    throw invalidValue('ssh_pub_keys', 'Not an SSH public key');
  const raid = optionalEnum(body, 'hdd_raid', RAIDS) ?? 'no_raid';
  const disks = disksOf(server.configuration).length;
  if (disks > 0 && disks < RAID_MIN_DISKS[raid])
    throw invalidValue('hdd_raid', `${raid} needs ${RAID_MIN_DISKS[raid]} disks; the server has ${disks}`);
  requireIdle(server);
  requireSwitchPortsUp(server);
  requirePowerControl(server);
  if (server.mainIpv4 === null) {
    throw new DciSimError(
      400,
      DCI_CODES.NO_MAIN_IP,
      `Server ${server.id} has no main IPv4 address to install from`,
      {
        id: server.id,
      },
    );
  }
  return start(state, server, {
    kind: 'os',
    stages: ['prepare', 'partition', 'install', 'configure', 'reboot'],
    stageMs: DURATIONS.osStage,
    failure: 'operation_os',
    // A reinstall of an installed server is the same call: the disks are partitioned anew, the template and keys
    // replaced; id, owner, notes and addresses stay.
    finish: (s) => {
      s.osTemplateId = template.id;
      s.installedKeys = [...keys];
      s.power = 'on';
    },
    fail: wipeOs,
  });
}

/** Wipes the disks from a service image; the server is left powered off without an OS. */
export function clearDisks(state: DciSimState, server: ServerRecord, raw: unknown): Accepted {
  const body = asBody(raw);
  const mode = optionalEnum(body, 'clear_hdd', CLEAR);
  if (mode === undefined) throw missingField('clear_hdd');
  requireIdle(server);
  requirePowerControl(server);
  const total =
    mode === 'full' ? DURATIONS.clearFull : mode === 'simple' ? DURATIONS.clearSimple : DURATIONS.clearNone;
  const stages = mode === 'none' ? ['check'] : ['boot', 'wipe', 'shutdown'];
  return start(state, server, {
    kind: 'clear_hdd',
    stages,
    stageMs: Math.round(total / stages.length),
    failure: 'operation_clear_hdd',
    finish: (s) => {
      if (mode !== 'none') wipeOs(s);
      s.power = 'off';
    },
  });
}

function wipeOs(server: ServerRecord): void {
  server.osTemplateId = null;
  server.installedKeys = [];
}

/**
 * The installer boots over the network: a server whose switch ports a suspend took down (or is taking down or
 * up) cannot be installed (400, code 3003).
 */
function requireSwitchPortsUp(server: ServerRecord): void {
  if (['suspending', 'suspended', 'resuming'].includes(server.state))
    throw new DciSimError(
      400,
      DCI_CODES.WRONG_STATE,
      `Server ${server.id} is ${server.state}: its switch ports are down, the installer cannot boot`,
      { id: server.id, state: server.state },
    );
}

export function diagnose(state: DciSimState, server: ServerRecord, raw: unknown): Accepted {
  const body = asBody(raw);
  const mode = optionalEnum(body, 'clear_hdd', CLEAR) ?? 'none';
  optionalBoolean(body, 'setup_ipmi');
  optionalId(body, 'ipmi_pool');
  optionalId(body, 'os_template_id');
  requireIdle(server);
  requirePowerControl(server);
  return start(state, server, {
    kind: 'diag',
    stages: mode === 'none' ? ['boot', 'hardware', 'smart'] : ['boot', 'hardware', 'smart', 'wipe'],
    stageMs: Math.round(DURATIONS.diag / 4),
    failure: 'operation_diag',
    finish: (s) => {
      if (mode !== 'none') wipeOs(s);
      s.power = 'off';
    },
    fail: (s) => {
      s.hasErrors = true;
    },
  });
}
