import { getQueueToken } from '@nestjs/bullmq';
import { keys, queues } from '../common/redis/keys';

/** Key prefix of BullMQ's own keys. */
export const BULL_PREFIX = keys.bullPrefix();

/**
 * One BullMQ queue per connection (`ops-{<connection>}`, docs/design.md#redis-topology): a connection's jobs live in
 * its own slot, beside its tasks, and connections spread over a cluster's shards. One job per task, job id = task id.
 */
export const operationsQueue = queues.operations;

/** The Nest token of a connection's operations queue. */
export const operationsQueueToken = (connection: string): string =>
  getQueueToken(operationsQueue(connection));

/** The token of the map connection → its operations queue (OperationQueues). */
export const OPERATION_QUEUES = Symbol('OPERATION_QUEUES');

export interface OperationJobData {
  taskId: string;
}

/** Unexpected errors (not step outcomes) are retried this often before the task is failed. */
export const JOB_ATTEMPTS = 5;
