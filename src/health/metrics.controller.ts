import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { MetricsService } from '../common/metrics/metrics.service';
import { TaskQueue } from '../tasks/task-queue.service';

/** Prometheus scrape endpoint; restrict it at the network level in production. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: TaskQueue,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const counts = await this.queue.counts().catch(() => ({}));
    for (const [state, count] of Object.entries(counts)) this.metrics.queueJobs.set({ state }, count);
    return this.metrics.registry.metrics();
  }
}
