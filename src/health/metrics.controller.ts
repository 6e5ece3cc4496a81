import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Caller } from '../common/auth/caller';
import { CurrentCaller } from '../common/auth/auth.decorators';
import { ForbiddenError } from '../common/errors/gateway-error';
import { MetricsService } from '../common/metrics/metrics.service';
import { TaskQueue } from '../tasks/task-queue.service';

/**
 * Prometheus scrape endpoint. Its series name every connection, so it takes an API key that sees all of them
 * (`providers: ['*']`, `read` is enough): Prometheus sends it as `authorization: { credentials_file: ... }`.
 * Without a key 401, with a key scoped to some connections 403: existence is never confirmed to other tenants.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: TaskQueue,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@CurrentCaller() caller: Caller): Promise<string> {
    // Only `providers: ['*']`: a key listing connections gets 403 whether or not others exist (no oracle).
    if (caller.eventTokenOnly || caller.toJSON().connections !== null)
      throw new ForbiddenError(
        "/metrics names every connection: it takes an API key with `providers: ['*']`.",
      );
    const counts = await this.queue.counts().catch(() => ({}));
    for (const [state, count] of Object.entries(counts)) this.metrics.queueJobs.set({ state }, count);
    return this.metrics.registry.metrics();
  }
}
