import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint, ResourceReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { UpdateLabelsRequest } from '../common/labels.dto';
import { CreateEndpoint, LabelsEndpoint, TaskEndpoint } from '../common/task-endpoint.decorator';
import { ResourceType } from '../../domain/states';
import { VolumeView } from '../../domain/resource-views.dto';
import { Task } from '../../tasks/task.dto';
import { wantsFresh } from '../../common/http/fresh';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { ReadQuery } from '../common/list.dto';
import { mutationCall } from '../common/mutation-call';
import { readHeaders } from '../common/read-headers';
import { ResourceReaderService } from '../../application/resource-reader.service';
import { TaskResponder } from '../common/task-responder';
import {
  AttachRequest,
  CreateVolumeRequest,
  ResizeVolumeRequest,
  VolumeList,
  VolumeListQuery,
} from './volumes.dto';
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

  /**
   * List volumes
   * @remarks Volumes across every provider connection the API key may see; boot disks are listed with `bootable: true`.
   */
  @Get()
  @ReadEndpoint('listVolumes', VolumeList)
  list(@Call() call: HttpCall, @Query() query: VolumeListQuery): Promise<VolumeList> {
    return this.reader.list(
      ResourceType.Volume,
      call.caller,
      query,
      String(call.request.id),
      wantsFresh(call.request, query.fresh),
    );
  }

  /**
   * Create a volume
   * @remarks Attached to `serverId` when given (some backends require it; their capability document says so).
   */
  @Post()
  @CreateEndpoint('createVolume')
  async create(@Call() call: HttpCall, @Body() body: CreateVolumeRequest): Promise<Task> {
    return this.responder.respond(call, await this.volumes.create(mutationCall(call), body));
  }

  /**
   * Get a volume
   * @remarks Read through a short cache. When the backend fails, the last copy is served with `Cache-Status` and `Age`. The `ETag` names the version served: `If-None-Match` with it answers 304 while it is current, `If-Match` with it makes a change only on that version.
   */
  @Get(':id')
  @ResourceReadEndpoint('getVolume', VolumeView, 501, 502, 503, 504)
  async get(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ReadQuery,
  ): Promise<VolumeView> {
    return readHeaders(
      call,
      await this.reader.get(ResourceType.Volume, call.caller, id, wantsFresh(call.request, query.fresh)),
    );
  }

  /**
   * Relabel a volume
   * @remarks Merges a change into the volume's labels (`null` removes a key): a task where the backend keeps labels, else the gateway keeps them and answers 200 with the volume as changed (the capability document's `labels.byType.volume` says which).
   */
  @Patch(':id')
  @LabelsEndpoint('updateVolume', VolumeView)
  async update(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: UpdateLabelsRequest,
  ): Promise<Task | VolumeView> {
    return this.responder.respondLabels(
      call,
      await this.volumes.relabel(mutationCall(call), id, body.labels),
    );
  }

  /**
   * Grow a volume
   * @remarks To `sizeGb`, larger than its size now (a smaller or equal size answers 400 before any backend call). The file system on it is not grown.
   */
  @Post(':id/resize')
  @TaskEndpoint('resizeVolume')
  async resize(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: ResizeVolumeRequest,
  ): Promise<Task> {
    return this.responder.respond(call, await this.volumes.resize(mutationCall(call), id, body.sizeGb));
  }

  /**
   * Delete a volume
   * @remarks Backends refuse to delete an attached volume: the task then fails with `conflict`.
   */
  @Delete(':id')
  @TaskEndpoint('deleteVolume')
  async delete(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.volumes.submit(mutationCall(call), 'volume.delete', id));
  }

  /**
   * Attach a volume to a server
   * @remarks The server must belong to the same connection. Backends that attach only to stopped servers stop and restart it, and say so in the task steps.
   */
  @Post(':id/attach')
  @TaskEndpoint('attachVolume')
  async attach(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: AttachRequest,
  ): Promise<Task> {
    return this.responder.respond(call, await this.volumes.attach(mutationCall(call), id, body.serverId));
  }

  /**
   * Detach a volume from its server
   * @remarks The volume stays, available.
   */
  @Post(':id/detach')
  @TaskEndpoint('detachVolume')
  async detach(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.volumes.submit(mutationCall(call), 'volume.detach', id));
  }
}
