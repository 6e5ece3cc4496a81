import type { Queue } from 'bullmq';
import { NotFoundError } from '../common/errors/gateway-error';
import type { OperationJobData } from './queue.constants';

/** Every connection's operations queue, by connection name (built by TasksModule from the configured connections). */
export class OperationQueues {
  constructor(private readonly byConnection: ReadonlyMap<string, Queue<OperationJobData>>) {}

  /** The queue of one connection; a connection the gateway does not know has none (404, as its resources). */
  of(connection: string): Queue<OperationJobData> {
    const queue = this.byConnection.get(connection);
    if (!queue) throw new NotFoundError(`No provider connection named '${connection}'.`);
    return queue;
  }

  entries(): Array<[string, Queue<OperationJobData>]> {
    return [...this.byConnection.entries()];
  }
}
