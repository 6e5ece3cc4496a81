import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint, ResourceReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { CreateEndpoint, LabelsEndpoint, TaskEndpoint } from '../common/task-endpoint.decorator';
import { ServerView } from '../../domain/resource-views.dto';
import { ResourceType } from '../../domain/states';
import { Task } from '../../tasks/task.dto';
import { wantsFresh } from '../../common/http/fresh';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { ReadQuery } from '../common/list.dto';
import { mutationCall } from '../common/mutation-call';
import { readHeaders } from '../common/read-headers';
import { ResourceReaderService } from '../../application/resource-reader.service';
import { TaskResponder } from '../common/task-responder';
import {
  CreateServerRequest,
  RebuildServerRequest,
  ResizeServerRequest,
  ServerList,
  ServerListQuery,
  StopServerRequest,
  UpdateServerRequest,
} from './servers.dto';
import { ServersService } from './servers.service';

@ApiTags('servers')
@ApiBearerAuth()
@Controller('v1/servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly reader: ResourceReaderService,
    private readonly responder: TaskResponder,
  ) {}

  /**
   * List servers
   * @remarks Servers across every provider connection the API key may see, sorted by connection then native id, filtered by `state`, `name` and `label`. `providers` says how each connection contributed: `ok`, `stale` (its backend failed; cached data shown) or `error`.
   */
  @Get()
  @ReadEndpoint('listServers', ServerList)
  list(@Call() call: HttpCall, @Query() query: ServerListQuery): Promise<ServerList> {
    return this.reader.list(
      ResourceType.Server,
      call.caller,
      query,
      String(call.request.id),
      wantsFresh(call.request, query.fresh),
    );
  }

  /**
   * Create a server
   * @remarks Accepted as a task that ends when the server exists and, unless `powerOn` is false, runs. The task runs whatever steps the backend needs (e.g. clone a drive and wait for imaging; take a bare-metal server from stock and install it).
   */
  @Post()
  @CreateEndpoint('createServer')
  async create(@Call() call: HttpCall, @Body() body: CreateServerRequest): Promise<Task> {
    return this.responder.respond(call, await this.servers.create(mutationCall(call), body));
  }

  /**
   * Get a server
   * @remarks Read through a short cache. When the backend fails, the last copy is served with `Cache-Status` and `Age`. The `ETag` names the version served: `If-None-Match` with it answers 304 while it is current, `If-Match` with it makes a change only on that version.
   */
  @Get(':id')
  @ResourceReadEndpoint('getServer', ServerView, 501, 502, 503, 504)
  async get(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ReadQuery,
  ): Promise<ServerView> {
    return readHeaders(
      call,
      await this.reader.get(ResourceType.Server, call.caller, id, wantsFresh(call.request, query.fresh)),
    );
  }

  /**
   * Rename or relabel a server
   * @remarks `name` renames the server (a task; the backend keeps its id). `labels` merges a change into its labels (`null` removes a key): a task where the backend keeps labels, else the gateway keeps them and answers 200 with the server as changed (the capability document's `labels.byType.server` says which). One of the two per request: both answer 400.
   */
  @Patch(':id')
  @LabelsEndpoint('updateServer', ServerView)
  async update(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: UpdateServerRequest,
  ): Promise<Task | ServerView> {
    return this.responder.respondLabels(call, await this.servers.update(mutationCall(call), id, body));
  }

  /**
   * Resize a server
   * @remarks To a plan (`planId`) or, where the backend sizes freely, to `cpuCores` with `memoryMb`. Backends that resize only a stopped server stop and start it, and say so in the task steps; `allowedActions.resize` says when it is refused.
   */
  @Post(':id/resize')
  @TaskEndpoint('resizeServer')
  async resize(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: ResizeServerRequest,
  ): Promise<Task> {
    return this.responder.respond(call, await this.servers.resize(mutationCall(call), id, body));
  }

  /**
   * Rebuild a server
   * @remarks Reinstalls the server from an image, keeping its id: what its disks held is gone. Takes SSH keys and `userData` as a create does, where the connection takes them.
   */
  @Post(':id/rebuild')
  @TaskEndpoint('rebuildServer')
  async rebuild(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: RebuildServerRequest,
  ): Promise<Task> {
    return this.responder.respond(call, await this.servers.rebuild(mutationCall(call), id, body));
  }

  /**
   * Delete a server
   * @remarks Runs whatever steps the backend needs (e.g. stop first, decommission, wait until it is gone).
   */
  @Delete(':id')
  @TaskEndpoint('deleteServer')
  async delete(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.servers.submit(mutationCall(call), 'server.delete', id, {}),
    );
  }

  /**
   * Start a server
   * @remarks The task ends when the server runs; starting a running server succeeds at once.
   */
  @Post(':id/start')
  @TaskEndpoint('startServer')
  async start(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.servers.submit(mutationCall(call), 'server.start', id, {}),
    );
  }

  /**
   * Stop a server
   * @remarks An orderly shutdown, or a hard power-off with `force: true`. Backends without an orderly shutdown say so with 501 (see `allowedActions.stop` and `allowedActions.forceStop`).
   */
  @Post(':id/stop')
  @TaskEndpoint('stopServer')
  // No body is `{}`: an orderly shutdown.
  @ApiBody({ type: StopServerRequest, required: false })
  async stop(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body?: StopServerRequest,
  ): Promise<Task> {
    return this.responder.respond(
      call,
      await this.servers.submit(mutationCall(call), 'server.stop', id, { force: body?.force ?? false }),
    );
  }

  /**
   * Reboot a server
   * @remarks The task ends when the server runs again.
   */
  @Post(':id/reboot')
  @TaskEndpoint('rebootServer')
  async reboot(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.servers.submit(mutationCall(call), 'server.reboot', id, {}),
    );
  }
}
