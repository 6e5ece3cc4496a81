import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint, TaskEndpoint } from '../../common/swagger/endpoints.decorator';
import { ResourceType } from '../../domain/states';
import { Volume } from '../../domain/volume.dto';
import { Task } from '../../tasks/task.dto';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { readHeaders } from '../common/read-headers';
import { ResourceReaderService } from '../common/resource-reader.service';
import { TaskResponder } from '../common/task-responder';
import { AttachRequest, CreateVolumeRequest, VolumeList, VolumeListQuery } from './volumes.dto';
import { VolumesService } from './volumes.service';

@ApiTags('volumes')
@ApiBearerAuth()
@Controller('v1/volumes')
export class VolumesController {
  constructor(
    private readonly volumes: VolumesService,
    private readonly reader: ResourceReaderService,
    private readonly responder: TaskResponder,
  ) {}

  /** Lists volumes across every provider connection the API key may see. */
  @Get()
  @ReadEndpoint('listVolumes', 'List volumes')
  list(@Call() call: HttpCall, @Query() query: VolumeListQuery): Promise<VolumeList> {
    return this.reader.list(ResourceType.Volume, call.caller, query, String(call.request.id));
  }

  /** Creates a volume, attached to `serverId` when given. */
  @Post()
  @TaskEndpoint('createVolume', 'Create a volume')
  async create(@Call() call: HttpCall, @Body() body: CreateVolumeRequest): Promise<Task> {
    return this.responder.respond(call, await this.volumes.create(call, body));
  }

  @Get(':id')
  @ReadEndpoint('getVolume', 'Get a volume', 501, 502, 503, 504)
  async get(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Volume> {
    return readHeaders(call.reply, await this.reader.get(ResourceType.Volume, call.caller, id));
  }

  /** Deletes a volume; refused with 409 (in the task) while it is attached, where the backend requires. */
  @Delete(':id')
  @TaskEndpoint('deleteVolume', 'Delete a volume')
  async delete(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.volumes.submit(call, 'volume.delete', id));
  }

  @Post(':id/attach')
  @TaskEndpoint('attachVolume', 'Attach a volume to a server')
  async attach(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Body() body: AttachRequest): Promise<Task> {
    return this.responder.respond(call, await this.volumes.attach(call, id, body.serverId));
  }

  @Post(':id/detach')
  @TaskEndpoint('detachVolume', 'Detach a volume from its server')
  async detach(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.volumes.submit(call, 'volume.detach', id));
  }
}
