import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { TaskEndpoint } from '../common/task-endpoint.decorator';
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
  RenameServerRequest,
  ServerList,
  ServerListQuery,
  StopServerRequest,
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
   * @remarks Servers across every provider connection the API key may see, sorted by connection then native id. `providers` says how each connection contributed: `ok`, `stale` (its backend failed; cached data shown) or `error`.
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
  @TaskEndpoint('createServer')
  async create(@Call() call: HttpCall, @Body() body: CreateServerRequest): Promise<Task> {
    return this.responder.respond(call, await this.servers.create(mutationCall(call), body));
  }

  /**
   * Get a server
   * @remarks Read through a short cache. When the backend fails, the last copy is served with `Cache-Status` and `Age`.
   */
  @Get(':id')
  @ReadEndpoint('getServer', ServerView, 501, 502, 503, 504)
  async get(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ReadQuery,
  ): Promise<ServerView> {
    return readHeaders(
      call.reply,
      await this.reader.get(ResourceType.Server, call.caller, id, wantsFresh(call.request, query.fresh)),
    );
  }

  /**
   * Rename a server
   * @remarks The backend keeps the server's id.
   */
  @Patch(':id')
  @TaskEndpoint('renameServer')
  async rename(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Body() body: RenameServerRequest,
  ): Promise<Task> {
    return this.responder.respond(
      call,
      await this.servers.submit(mutationCall(call), 'server.rename', id, { name: body.name }),
    );
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
