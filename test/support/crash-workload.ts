import type { Task } from '../generated/client';
import { api, catalogPicks, type Client } from './api';
import { BACKENDS, connectionOf, type BackendKind } from './crash-backends';
import type { ResourceKind } from './crash-census';
import type { CrashClient, MutationCall, Submitted } from './crash-client';
import type { Rng } from './crash-rng';

/**
 * The mutations of a crash run, as chains a user would make: create a resource, act on it once it exists, maybe
 * delete it. Creates dominate (their duplicates are what crashes can cause); actions and deletes keep the other
 * step shapes busy. Every mutation carries its own Idempotency-Key.
 */
export interface ChainPlan {
  id: string;
  kind: BackendKind;
  resource: ResourceKind;
  /** Unique in the run: the census finds the backend resources by it. */
  name: string;
  actions: Array<'stop' | 'start' | 'reboot'>;
  remove: boolean;
  /** Send `Prefer: wait=5`: the api holds each answer until the task ends, so a kill cuts it. */
  preferWait: boolean;
}

export interface TaskEntry {
  chain: string;
  operation: string;
  key: string;
  submitted: Submitted;
  /** The task once it ended (null: not known any more, or not ended in time). */
  final: Task | null;
}

export interface ChainResult {
  plan: ChainPlan;
  entries: TaskEntry[];
}

export type Picks = Record<BackendKind, { imageId: string; planId: string }>;

export const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForTheGateway crash@example.test';
/** Resource types each backend offers here (DCImanager is bare metal: servers only). */
const RESOURCES: Record<BackendKind, ResourceKind[]> = {
  cloudmc: ['server', 'server', 'network'],
  cloudsigma: ['server', 'server', 'volume', 'network'],
  dcimanager: ['server'],
  imco: ['server', 'server', 'volume', 'network'],
};

export async function loadPicks(client: Client): Promise<Picks> {
  const dci = connectionOf('dcimanager');
  const images = await api.listProviderImages({ client, path: { name: dci } });
  const plans = await api.listProviderPlans({ client, path: { name: dci } });
  return {
    cloudmc: await catalogPicks(client, connectionOf('cloudmc')),
    cloudsigma: await catalogPicks(client, connectionOf('cloudsigma')),
    imco: await catalogPicks(client, connectionOf('imco')),
    dcimanager: {
      imageId: images.data!.items.find((i) => i.name.startsWith('Debian'))!.id,
      planId: [...plans.data!.items].sort((a, b) => (b.available ?? 0) - (a.available ?? 0))[0].id,
    },
  };
}

export function planChain(rng: Rng, prefix: string, index: number): ChainPlan {
  const kind = rng.pick(BACKENDS);
  const resource = rng.pick(RESOURCES[kind]);
  const actions: ChainPlan['actions'] =
    resource === 'server' && rng.chance(0.5)
      ? rng.pick([['stop', 'start'], ['reboot']] as const).slice()
      : [];
  return {
    id: `${prefix}-c${String(index).padStart(3, '0')}`,
    kind,
    resource,
    name: `${prefix}-c${String(index).padStart(3, '0')}-${resource.slice(0, 3)}`,
    actions,
    remove: rng.chance(0.35),
    // Every third chain: some mutation of the run is always held open when the api is killed.
    preferWait: index % 3 === 0,
  };
}

const plannedTasks = (plan: ChainPlan) => 1 + plan.actions.length + (plan.remove ? 1 : 0);

function createCall(plan: ChainPlan, picks: Picks, client: Client): MutationCall {
  const provider = connectionOf(plan.kind);
  switch (plan.resource) {
    case 'server': {
      const ssh = plan.kind === 'dcimanager' ? { sshPublicKeys: [SSH_KEY] } : {};
      const body = { provider, name: plan.name, ...picks[plan.kind], ...ssh };
      return (o) => api.createServer({ client, body, ...o });
    }
    case 'volume': {
      const body = { provider, name: plan.name, sizeGb: plan.kind === 'imco' ? 10 : 1 };
      return (o) => api.createVolume({ client, body, ...o });
    }
    case 'network':
      return (o) => api.createNetwork({ client, body: { provider, name: plan.name }, ...o });
  }
}

function laterCall(resource: ResourceKind, operation: string, id: string, client: Client): MutationCall {
  const path = { id };
  if (operation === 'stop') return (o) => api.stopServer({ client, path, body: { force: true }, ...o });
  if (operation === 'start') return (o) => api.startServer({ client, path, ...o });
  if (operation === 'reboot') return (o) => api.rebootServer({ client, path, ...o });
  if (resource === 'server') return (o) => api.deleteServer({ client, path, ...o });
  if (resource === 'volume') return (o) => api.deleteVolume({ client, path, ...o });
  return (o) => api.deleteNetwork({ client, path, ...o });
}

export interface ChainEnv {
  crash: CrashClient;
  picks: Picks;
  /** How long one task may take to end, crashes included. */
  taskMaxMs: number;
}

/** Runs one chain to its end: each mutation is answered, then awaited, before the next is sent. */
export async function runChain(plan: ChainPlan, env: ChainEnv): Promise<ChainResult> {
  const entries: TaskEntry[] = [];
  const run = async (operation: string, call: MutationCall): Promise<Task | null> => {
    const key = `${plan.id}-${operation}`;
    const submitted = await env.crash.submit(key, call, plan.preferWait ? 5 : undefined);
    const final =
      submitted.kind === 'accepted' ? await env.crash.awaitTerminal(submitted.task.id, env.taskMaxMs) : null;
    entries.push({ chain: plan.id, operation: `${plan.resource}.${operation}`, key, submitted, final });
    return final;
  };
  const created = await run('create', createCall(plan, env.picks, env.crash.client));
  const id = created?.status === 'succeeded' ? created.resource.id : null;
  if (!id) return { plan, entries };
  for (const action of plan.actions) {
    const done = await run(action, laterCall(plan.resource, action, id, env.crash.client));
    if (done?.status !== 'succeeded') return { plan, entries };
  }
  if (plan.remove) await run('delete', laterCall(plan.resource, 'delete', id, env.crash.client));
  return { plan, entries };
}

export interface WorkloadOptions extends ChainEnv {
  rng: Rng;
  /** Names every chain, so that two phases of one run never share a name. */
  prefix: string;
  /** Chains are started until at least this many tasks are planned... */
  minTasks: number;
  /** ...and for as long as this says the chaos is still at work. */
  busy: () => boolean;
  concurrency: number;
}

/** Starts chains (at most `concurrency` at once) and resolves with all of them once every one has ended. */
export async function runWorkload(options: WorkloadOptions): Promise<ChainResult[]> {
  const running = new Set<Promise<void>>();
  const results: ChainResult[] = [];
  let planned = 0;
  const limit = options.minTasks * 4; // bounds the run if the chaos takes longer than planned
  for (let index = 0; (planned < options.minTasks || options.busy()) && planned < limit; index++) {
    while (running.size >= options.concurrency) await Promise.race(running);
    const plan = planChain(options.rng, options.prefix, index);
    planned += plannedTasks(plan);
    const chain: Promise<void> = runChain(plan, options).then((result) => {
      results.push(result);
      running.delete(chain);
    });
    running.add(chain);
  }
  await Promise.all(running);
  return results;
}
