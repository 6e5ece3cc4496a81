import { Module } from '@nestjs/common';
import { HistoryService } from '../../application/history.service';
import { ResourceAccess } from '../../application/resource-access.service';
import { HistoryController } from './history.controller';

/** GET /v1/{servers|volumes|networks|ips}/{id}/history (docs/design.md#history); part of the public API. */
@Module({
  controllers: [HistoryController],
  providers: [HistoryService, ResourceAccess],
})
export class HistoryModule {}
