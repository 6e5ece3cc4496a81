import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { HistoryService } from '../../application/history.service';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { ResourceType } from '../../domain/states';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { HistoryPage, HistoryQuery } from './history.dto';

/**
 * Who did what to a resource (docs/design.md#history), newest first. Read from the gateway's own records, so a
 * deleted resource's history stays readable for `history.retentionDays` after its last entry.
 */
@ApiBearerAuth()
@Controller('v1')
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  /**
   * History of a server
   * @remarks The tasks of ours that ended on it (source `gateway`, with who asked and how it ended) and the state changes the gateway saw in backend reads that no task of ours made (source `observed`: someone used the backend's own console), newest first. Readable after the server is deleted; an id without history answers an empty page.
   */
  @Get('servers/:id/history')
  @ApiTags('servers')
  @ReadEndpoint('getServerHistory', HistoryPage, 501)
  server(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Query() query: HistoryQuery) {
    return this.history.read(ResourceType.Server, call.caller, id, query) as Promise<HistoryPage>;
  }

  /**
   * History of a volume
   * @remarks As the history of a server: the tasks of ours that ended on it and the state changes seen in backend reads that no task of ours made, newest first; readable after the volume is deleted.
   */
  @Get('volumes/:id/history')
  @ApiTags('volumes')
  @ReadEndpoint('getVolumeHistory', HistoryPage, 501)
  volume(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Query() query: HistoryQuery) {
    return this.history.read(ResourceType.Volume, call.caller, id, query) as Promise<HistoryPage>;
  }

  /**
   * History of a network
   * @remarks As the history of a server: the tasks of ours that ended on it and the state changes seen in backend reads that no task of ours made, newest first; readable after the network is deleted.
   */
  @Get('networks/:id/history')
  @ApiTags('networks')
  @ReadEndpoint('getNetworkHistory', HistoryPage, 501)
  network(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Query() query: HistoryQuery) {
    return this.history.read(ResourceType.Network, call.caller, id, query) as Promise<HistoryPage>;
  }

  /**
   * History of an IP address
   * @remarks As the history of a server: the tasks of ours that ended on it and the state changes seen in backend reads that no task of ours made, newest first; readable after the address is released.
   */
  @Get('ips/:id/history')
  @ApiTags('ips')
  @ReadEndpoint('getIpHistory', HistoryPage, 501)
  ip(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Query() query: HistoryQuery) {
    return this.history.read(ResourceType.Ip, call.caller, id, query) as Promise<HistoryPage>;
  }
}
