import { type BenchContext, type BenchSimulator, gatewayCall, simControl } from './context';

/**
 * What a backend's creates take from a finite pool, sized before the tasks run so that none runs dry: the issue's
 * runs lost 88 of 1,000 CloudMC creates (and 3,088 of 10,000) to its one guest network's /24, and placed 5
 * DCImanager creates because its seed has 5 free stock servers.
 *
 * - CloudMC: every instance takes an address of its network. The bench makes isolated networks of its own, /20
 *   each (4,085 hosts from .10 up), enough for its share, and spreads the creates over them.
 * - DCImanager: every create takes a free stock server. The simulator adds stock on request (`stock: n`, each
 *   server with an address of its own).
 * - CloudSigma and IMCO: no pool a create can empty at these counts (CloudSigma's temporary addresses are reused,
 *   IMCO's public addresses come from a /16).
 *
 * A pool that still runs dry shows in the backend's failures, counted by error code.
 */
export interface CreatePlacement {
  /** Extra fields of the backend's create bodies, one set per pool slot, used round-robin. */
  extras: Array<Record<string, unknown>>;
  /** What was done, for the results. */
  note: string;
}

/** Hosts a CloudMC /20 gives instances (the simulator hands out .10 up to the last host). */
const CLOUDMC_HOSTS_PER_NETWORK = 4096 - 10 - 1;
/** Room above the share: a few creates may be retried by a client, and the seed has an instance too. */
const HEADROOM = 1.05;

/** Before the gateway starts: pools the simulators size themselves (DCImanager's stock). */
export async function sizeSimulatorPools(simulators: BenchSimulator[], taskCount: number): Promise<void> {
  const share = Math.ceil((taskCount / simulators.length) * HEADROOM);
  for (const simulator of simulators) {
    if (simulator.kind === 'dcimanager') await simControl(simulator, 'POST', '/config', { stock: share });
  }
}

/** Through the gateway, once it runs: what a backend's creates need (CloudMC's networks). */
export async function placeCreates(
  context: BenchContext,
  simulator: BenchSimulator,
  share: number,
): Promise<CreatePlacement> {
  if (simulator.kind !== 'cloudmc') return { extras: [{}], note: 'no finite pool at this count' };
  const count = Math.max(1, Math.ceil((share * HEADROOM) / CLOUDMC_HOSTS_PER_NETWORK));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    // 10.2.0.0/20, 10.2.16.0/20, …: clear of the simulator's own isolated networks (10.1.0.0/16).
    const cidr = `10.${2 + Math.floor(i / 16)}.${(i % 16) * 16}.0/20`;
    const answer = await gatewayCall<{ id?: string }>(context, 'POST', '/v1/networks', {
      provider: simulator.name,
      name: `bench-pool-${i}`,
      cidr,
    });
    if (answer.status !== 202 || !answer.body.id)
      throw new Error(`CloudMC network ${cidr}: ${answer.status} ${JSON.stringify(answer.body)}`);
    const task = await waitForTask(context, answer.body.id);
    const id = (task.result as { id?: string } | null)?.id;
    if (task.status !== 'succeeded' || !id)
      throw new Error(`CloudMC network ${cidr}: task ${task.status} ${JSON.stringify(task.error ?? null)}`);
    ids.push(id);
  }
  return {
    extras: ids.map((id) => ({ networkIds: [id] })),
    note: `${count} isolated network(s) of /20 (${count * CLOUDMC_HOSTS_PER_NETWORK} instance addresses)`,
  };
}

interface TaskView {
  status: string;
  result?: unknown;
  error?: unknown;
}

async function waitForTask(context: BenchContext, taskId: string): Promise<TaskView> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const answer = await gatewayCall<TaskView>(context, 'GET', `/v1/tasks/${taskId}?waitSeconds=10`);
    if (['succeeded', 'failed', 'canceled'].includes(answer.body.status)) return answer.body;
    if (Date.now() > deadline) throw new Error(`task ${taskId} did not end: ${JSON.stringify(answer.body)}`);
  }
}
