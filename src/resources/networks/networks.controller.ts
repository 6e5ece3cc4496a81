import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint, ResourceReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { UpdateLabelsRequest } from '../common/labels.dto';
import { CreateEndpoint, LabelsEndpoint, TaskEndpoint } from '../common/task-endpoint.decorator';
import { NetworkView } from '../../domain/resource-views.dto';
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
import { CreateNetworkRequest, NetworkList, NetworkListQuery } from './networks.dto';

@ApiTags('networks')
@ApiBearerAuth()
@Controller('v1/networks')
export class NetworksController {
  constructor(
    private readonly mutations: MutationService,
    private readonly reader: ResourceReaderService,
    private readonly responder: TaskResponder,
    private readonly labelChanges: LabelChanges,
  ) {}

  /**
   * List networks
   * @remarks Networks across every provider connection the API key may see.
   */
  @Get()
  @ReadEndpoint('listNetworks', NetworkList)
  list(@Call() call: HttpCall, @Query() query: NetworkListQuery): Promise<NetworkList> {
    return this.reader.list(
      ResourceType.Network,
      call.caller,
      query,
      String(call.request.id),
      wantsFresh(call.request, query.fresh),
    );
  }

  /**
   * Create a network
   * @remarks `cidr` where the backend takes one; backend specifics (VPC, offering) in `providerOptions`.
   */
  @Post()
  @CreateEndpoint('createNetwork')
  async create(@Call() call: HttpCall, @Body() body: CreateNetworkRequest): Promise<Task> {
    const submitted = await this.mutations.submit({
      call: mutationCall(call),
      operation: 'network.create',
      connection: body.provider,
      providerOptions: body.providerOptions,
      input: (_adapter, providerOptions) => ({
        name: body.name,
        cidr: body.cidr,
        labels: body.labels ?? {},
        providerOptions,
      }),
    });
    return this.responder.respond(call, submitted);
  }

  /**
   * Get a network
   * @remarks Read through a short cache. When the backend fails, the last copy is served with `Cache-Status` and `Age`. The `ETag` names the version served: `If-None-Match` with it answers 304 while it is current, `If-Match` with it makes a change only on that version.
   */
  @Get(':id')
  @ResourceReadEndpoint('getNetwork', NetworkView, 501, 502, 503, 504)
  async get(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ReadQuery,
  ): Promise<NetworkView> {
    return readHeaders(
      call,
      await this.reader.get(ResourceType.Network, call.caller, id, wantsFresh(call.request, query.fresh)),
    );
  }

  /**
   * Relabel a network
   * @remarks Merges a change into the network's labels (`null` removes a key): a task where the backend keeps labels, else the gateway keeps them and answers 200 with the network as changed (the capability document's `labels.byType.network` says which).
   */
  @Patch(':id')
  @LabelsEndpoint('updateNetwork', NetworkView)
  async update(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: UpdateLabelsRequest,
  ): Promise<Task | NetworkView> {
    return this.responder.respondLabels(
      call,
      await this.labelChanges.change(mutationCall(call), ResourceType.Network, id, body.labels),
    );
  }

  /**
   * Delete a network
   * @remarks Backends refuse while servers use it: the task then fails with `conflict`.
   */
  @Delete(':id')
  @TaskEndpoint('deleteNetwork')
  async delete(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.mutations.submitOn(mutationCall(call), 'network.delete', id, {}),
    );
  }
}
