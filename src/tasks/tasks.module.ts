import { BullModule } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { GatewayRole } from '../config/env';
import { GatewayReads } from './gateway-reads';
import { HistoryLog } from './history-log.service';
import { LabelStore } from './label-store.service';
import { LegacyLayout } from './legacy-layout';
import { PublicKeyStore } from './public-key-store.service';
import { OperationRunner } from './operation-runner.service';
import { OperationProcessor } from './operation.processor';
import { OperationQueues } from './operation-queues';
import {
  OPERATION_QUEUES,
  operationsQueue,
  operationsQueueToken,
  type OperationJobData,
} from './queue.constants';
import { TaskCanceler } from './task-canceler.service';
import { TaskEvents } from './task-events.service';
import { TaskIntake } from './task-intake.service';
import { TaskQueue } from './task-queue.service';
import { TaskStore } from './task-store.service';
import { TaskSweeper } from './task-sweeper.service';
import { TaskWaiter } from './task-waiter.service';
import { TasksWaitingMetric } from './tasks-waiting-metric.service';

/** What every role has and other modules use: task storage, intake, events, cancel, what the gateway keeps. */
const SHARED = [
  TaskStore,
  TaskEvents,
  TaskWaiter,
  TaskQueue,
  TaskIntake,
  LabelStore,
  PublicKeyStore,
  GatewayReads,
  HistoryLog,
  TaskCanceler,
];

/** Task storage and events everywhere; the processor and the sweeper only where workers run. */
@Module({})
export class TasksModule {
  /** `connections`: the names of the configured connections, one operations queue each. */
  static forRole(role: GatewayRole, connections: readonly string[]): DynamicModule {
    const worker =
      role === 'worker' || role === 'all' ? [OperationRunner, OperationProcessor, TaskSweeper] : [];
    return {
      module: TasksModule,
      global: true,
      imports: [
        BullModule.registerQueue(
          // BullMQ's own event stream is read by nobody here: keep it short (it held ~370 bytes per task).
          ...connections.map((name) => ({
            name: operationsQueue(name),
            streams: { events: { maxLen: 1_000 } },
          })),
        ),
      ],
      providers: [
        {
          provide: OPERATION_QUEUES,
          inject: connections.map(operationsQueueToken),
          useFactory: (...queues: Array<Queue<OperationJobData>>) =>
            new OperationQueues(new Map(connections.map((name, i) => [name, queues[i]]))),
        },
        ...SHARED,
        // Every role: moves a single Redis of the previous key layout, once, before workers start.
        LegacyLayout,
        // Every role: any scraped process reports the shared count (docs/design.md#running-it).
        TasksWaitingMetric,
        ...worker,
      ],
      exports: [...SHARED, OPERATION_QUEUES],
    };
  }
}
