import type { Task } from '../generated/client';
import type { FaultBackend } from './faults-gateway';
import type { GatewayCaller } from './faults-http';
import { stopBody, type ResourceKind } from './faults-resources';
import { submitMutation, waitTerminal, type TaskTally } from './faults-tasks';

/** One mutation on the resource a chain created. */
interface ChainStep {
  method: string;
  path: (id: string) => string;
  body?: unknown;
  /** The state the resource shows when the task succeeded. */
  state?: string;
}

/** A resource's life under faults: create, optionally one action, delete. */
export interface ChainSpec {
  type: ResourceKind;
  /** `/v1/servers`... */
  collection: string;
  /** The create request for a resource of this name (catalog picks are made before any fault). */
  createBody(name: string): Record<string, unknown>;
  action?: ChainStep;
  named: boolean;
}

export interface ChainOutcome {
  backend: FaultBackend;
  spec: ChainSpec;
  name: string;
  tasks: Task[];
  resourceId: string | null;
  created: boolean;
  acted: boolean;
  deleted: boolean;
}

const removal = (collection: string): ChainStep => ({
  method: 'DELETE',
  path: (id) => `${collection}/${id}`,
});

/**
 * A server created, stopped (unless `stop` is false) and deleted: every backend supports it. `create` is a body
 * made from the catalog.
 */
export function serverChain(backend: FaultBackend, create: Record<string, unknown>, stop = true): ChainSpec {
  const stopStep: ChainStep = {
    method: 'POST',
    path: (id) => `/v1/servers/${id}/stop`,
    body: stopBody(backend.kind),
    state: 'stopped',
  };
  return {
    type: 'server',
    collection: '/v1/servers',
    createBody: (name) => ({ ...create, name }),
    action: stop ? stopStep : undefined,
    named: true,
  };
}

/** Extra chains of the full run, where the backend supports the resource (bare metal: addresses only). */
export function extraChains(backend: FaultBackend, serverId: string): ChainSpec[] {
  const ip: ChainSpec = {
    type: 'ip',
    collection: '/v1/ips',
    createBody: () =>
      backend.kind === 'dcimanager' ? { provider: backend.name, serverId } : { provider: backend.name },
    named: false,
  };
  if (backend.kind === 'dcimanager') return [ip];
  const volume: ChainSpec = {
    type: 'volume',
    collection: '/v1/volumes',
    // CloudMC makes volumes on a server only; the others make loose ones.
    createBody: (name) => ({
      provider: backend.name,
      name,
      sizeGb: backend.kind === 'cloudsigma' ? 2 : 10,
      ...(backend.kind === 'cloudmc' ? { serverId } : {}),
    }),
    action:
      backend.kind === 'cloudmc'
        ? { method: 'POST', path: (id) => `/v1/volumes/${id}/detach`, state: 'available' }
        : undefined,
    named: true,
  };
  const network: ChainSpec = {
    type: 'network',
    collection: '/v1/networks',
    createBody: (name) => ({
      provider: backend.name,
      name,
      ...(backend.kind === 'imco' ? { cidr: '10.42.0.0/16' } : {}),
    }),
    named: true,
  };
  return [volume, network, ip];
}

/** Submits one mutation and waits for its task to end; the end is tallied. */
export async function runTask(
  caller: GatewayCaller,
  tally: TaskTally,
  kind: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Task> {
  const accepted = await submitMutation(caller, tally, method, path, body);
  const done = await waitTerminal(caller, accepted.id);
  tally.record(kind, done);
  return done;
}

/** Runs create → action → delete, each task to its end; a failed create ends the chain, a failed action does not. */
export async function runChain(
  caller: GatewayCaller,
  tally: TaskTally,
  backend: FaultBackend,
  spec: ChainSpec,
  name: string,
): Promise<ChainOutcome> {
  const outcome: ChainOutcome = {
    backend,
    spec,
    name,
    tasks: [],
    resourceId: null,
    created: false,
    acted: false,
    deleted: false,
  };
  const created = await runTask(caller, tally, backend.kind, 'POST', spec.collection, spec.createBody(name));
  outcome.tasks.push(created);
  outcome.resourceId = created.resource.id;
  if (created.status !== 'succeeded') return outcome;
  outcome.created = true;
  const id = created.resource.id!;
  for (const step of spec.action ? [spec.action] : []) {
    const done = await runTask(caller, tally, backend.kind, step.method, step.path(id), step.body);
    outcome.tasks.push(done);
    outcome.acted = done.status === 'succeeded';
  }
  const remove = removal(spec.collection);
  const deleted = await runTask(caller, tally, backend.kind, remove.method, remove.path(id));
  outcome.tasks.push(deleted);
  outcome.deleted = deleted.status === 'succeeded';
  return outcome;
}
