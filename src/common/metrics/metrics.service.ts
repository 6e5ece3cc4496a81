import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamCallRecord, UpstreamObserver } from './upstream-observer';

/** All Prometheus metrics of one process, on a private registry (so tests can build many apps). */
@Injectable()
export class MetricsService implements UpstreamObserver {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Duration of HTTP requests served by the gateway',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Duration of calls to provider backends',
    labelNames: ['provider', 'kind', 'operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly tasksFinished = new Counter({
    name: 'gateway_tasks_finished_total',
    help: 'Tasks that reached a terminal status',
    labelNames: ['provider', 'operation', 'status', 'code'] as const,
    registers: [this.registry],
  });

  readonly taskDuration = new Histogram({
    name: 'gateway_task_duration_seconds',
    help: 'Time from task creation to its terminal status',
    labelNames: ['provider', 'operation', 'status'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
    registers: [this.registry],
  });

  readonly stepRuns = new Counter({
    name: 'gateway_task_step_runs_total',
    help: 'Runs of operation steps by the workers (each poll is one run)',
    labelNames: ['provider', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly unknownStates = new Counter({
    name: 'gateway_unknown_provider_states_total',
    help: 'Raw backend states without a mapping (shown as unknown)',
    labelNames: ['provider', 'resource', 'state'] as const,
    registers: [this.registry],
  });

  readonly cacheReads = new Counter({
    name: 'gateway_cache_reads_total',
    help: 'Snapshot cache reads by result',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });

  readonly backendItemsSkipped = new Counter({
    name: 'gateway_backend_items_skipped_total',
    help: "Items of a backend's list answer left out by its adapter (malformed, or over maxListItems)",
    labelNames: ['provider', 'type'] as const,
    registers: [this.registry],
  });

  readonly upstreamBudget = new Counter({
    name: 'gateway_upstream_budget_events_total',
    help: 'Request budget events per connection: takes that waited, pauses a backend asked for (429/Retry-After), switches to the per-process share while Redis is unreachable',
    labelNames: ['provider', 'event'] as const,
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'gateway_queue_jobs',
    help: 'Jobs in the operations queue by state (sampled at scrape time)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
  }

  onCall(record: UpstreamCallRecord): void {
    this.upstreamDuration.observe(
      {
        provider: record.connection,
        kind: record.kind,
        operation: record.operation,
        outcome: record.outcome,
      },
      record.durationMs / 1000,
    );
  }
}
