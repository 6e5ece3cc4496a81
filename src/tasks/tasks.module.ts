import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import type { GatewayRole } from '../config/env';
import { GatewayReads } from './gateway-reads';
import { HistoryLog } from './history-log.service';
import { LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';
import { OperationRunner } from './operation-runner.service';
import { OperationProcessor } from './operation.processor';
import { OPERATIONS_QUEUE } from './queue.constants';
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
  static forRole(role: GatewayRole): DynamicModule {
    const worker =
      role === 'worker' || role === 'all' ? [OperationRunner, OperationProcessor, TaskSweeper] : [];
    return {
      module: TasksModule,
      global: true,
      // BullMQ's own event stream is read by nobody here: keep it short (it held ~370 bytes per task).
      imports: [BullModule.registerQueue({ name: OPERATIONS_QUEUE, streams: { events: { maxLen: 1_000 } } })],
      providers: [
        ...SHARED,
        // Every role: any scraped process reports the shared count (docs/design.md#running-it).
        TasksWaitingMetric,
        ...worker,
      ],
      exports: SHARED,
    };
  }
}
