import { keys } from '../common/redis/keys';

/** The BullMQ queue that runs operation steps; one job per task, job id = task id. */
export const OPERATIONS_QUEUE = 'operations';
/** Key prefix of BullMQ's own keys. */
export const BULL_PREFIX = keys.bullPrefix();

export interface OperationJobData {
  taskId: string;
}

/** Unexpected errors (not step outcomes) are retried this often before the task is failed. */
export const JOB_ATTEMPTS = 5;
