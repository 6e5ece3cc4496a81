import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint, ResourceReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { UpdateLabelsRequest } from '../common/labels.dto';
import { CreateEndpoint, LabelsEndpoint, TaskEndpoint } from '../common/task-endpoint.decorator';
import { IpAddressView } from '../../domain/resource-views.dto';
import { ResourceType } from '../../domain/states';
import { Task } from '../../tasks/task.dto';
import { wantsFresh } from '../../common/http/fresh';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { ReadQuery } from '../common/list.dto';
import { mutationCall } from '../common/mutation-call';
import { LabelChanges } from '../../application/label-changes.service';
import { MutationService } from '../../application/mutation.service';
import { readHeaders } from '../common/read-headers';
import { ResourceReaderService } from '../../application/resource-reader.service';
import { TaskResponder } from '../common/task-responder';
import { AttachRequest } from '../volumes/volumes.dto';
import { AllocateIpRequest, IpList, IpListQuery } from './ips.dto';

@ApiTags('ips')
@ApiBearerAuth()
@Controller('v1/ips')
export class IpsController {
  constructor(
    private readonly mutations: MutationService,
    private readonly reader: ResourceReaderService,
    private readonly responder: TaskResponder,
    private readonly labelChanges: LabelChanges,
  ) {}

  /**
   * List IP addresses
   * @remarks Addresses across every provider connection the API key may see.
   */
  @Get()
  @ReadEndpoint('listIps', IpList)
  list(@Call() call: HttpCall, @Query() query: IpListQuery): Promise<IpList> {
    return this.reader.list(
      ResourceType.Ip,
      call.caller,
      query,
      String(call.request.id),
      wantsFresh(call.request, query.fresh),
    );
  }

  /**
   * Allocate an IP address
   * @remarks Attached to `serverId` when given.
   */
  @Post()
  @CreateEndpoint('allocateIp')
  async allocate(@Call() call: HttpCall, @Body() body: AllocateIpRequest): Promise<Task> {
    const submitted = await this.mutations.submit({
      call: mutationCall(call),
      operation: 'ip.allocate',
      connection: body.provider,
      providerOptions: body.providerOptions,
      input: async (adapter, providerOptions) => ({
        serverId:
          body.serverId === undefined
            ? undefined
            : await this.mutations.reference(adapter, ResourceType.Server, body.serverId, 'serverId'),
        labels: body.labels ?? {},
        providerOptions,
      }),
    });
    return this.responder.respond(call, submitted);
  }

  /**
   * Get an IP address
   * @remarks Read through a short cache. When the backend fails, the last copy is served with `Cache-Status` and `Age`. The `ETag` names the version served: `If-None-Match` with it answers 304 while it is current, `If-Match` with it makes a change only on that version.
   */
  @Get(':id')
  @ResourceReadEndpoint('getIp', IpAddressView, 501, 502, 503, 504)
  async get(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ReadQuery,
  ): Promise<IpAddressView> {
    return readHeaders(
      call,
      await this.reader.get(ResourceType.Ip, call.caller, id, wantsFresh(call.request, query.fresh)),
    );
  }

  /**
   * Relabel an IP address
   * @remarks Merges a change into the address's labels (`null` removes a key): a task where the backend keeps labels, else the gateway keeps them and answers 200 with the address as changed (the capability document's `labels.byType.ip` says which).
   */
  @Patch(':id')
  @LabelsEndpoint('updateIp', IpAddressView)
  async update(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: UpdateLabelsRequest,
  ): Promise<Task | IpAddressView> {
    return this.responder.respondLabels(
      call,
      await this.labelChanges.change(mutationCall(call), ResourceType.Ip, id, body.labels),
    );
  }

  /**
   * Release an IP address
   * @remarks Gives the address back to the provider; it may not come back.
   */
  @Delete(':id')
  @TaskEndpoint('releaseIp')
  async release(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.mutations.submitOn(mutationCall(call), 'ip.release', id, {}),
    );
  }

  /**
   * Attach an IP address to a server
   * @remarks Static NAT, floating IP or NIC address, as the backend does it; the server must belong to the same connection.
   */
  @Post(':id/attach')
  @TaskEndpoint('attachIp')
  async attach(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: AttachRequest,
  ): Promise<Task> {
    const submitted = await this.mutations.submit({
      call: mutationCall(call),
      operation: 'ip.attach',
      resourceId: id,
      input: async (adapter) => ({
        serverId: await this.mutations.reference(adapter, ResourceType.Server, body.serverId, 'serverId'),
      }),
    });
    return this.responder.respond(call, submitted);
  }

  /**
   * Detach an IP address from its server
   * @remarks The address stays allocated.
   */
  @Post(':id/detach')
  @TaskEndpoint('detachIp')
  async detach(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.mutations.submitOn(mutationCall(call), 'ip.detach', id, {}),
    );
  }
}
