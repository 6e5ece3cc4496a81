import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ReadEndpoint, TaskEndpoint } from '../../common/swagger/endpoints.decorator';
import { Server } from '../../domain/server.dto';
import { ResourceType } from '../../domain/states';
import { Task } from '../../tasks/task.dto';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { readHeaders } from '../common/read-headers';
import { ResourceReaderService } from '../common/resource-reader.service';
import { TaskResponder } from '../common/task-responder';
import { CreateServerRequest, RenameServerRequest, ServerList, ServerListQuery, StopServerRequest } from './servers.dto';
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

  /** Lists servers across every provider connection the API key may see; `providers` says how each contributed. */
  @Get()
  @ReadEndpoint('listServers', 'List servers')
  list(@Call() call: HttpCall, @Query() query: ServerListQuery): Promise<ServerList> {
    return this.reader.list(ResourceType.Server, call.caller, query, String(call.request.id));
  }

  /** Creates a server; the task ends when it exists and, unless `powerOn` is false, runs. */
  @Post()
  @TaskEndpoint('createServer', 'Create a server')
  async create(@Call() call: HttpCall, @Body() body: CreateServerRequest): Promise<Task> {
    return this.responder.respond(call, await this.servers.create(call, body));
  }

  /** One server, read through a short cache; served from cache with `Cache-Status` when its backend fails. */
  @Get(':id')
  @ReadEndpoint('getServer', 'Get a server', 501, 502, 503, 504)
  async get(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Server> {
    return readHeaders(call.reply, await this.reader.get(ResourceType.Server, call.caller, id));
  }

  @Patch(':id')
  @TaskEndpoint('renameServer', 'Rename a server')
  async rename(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Body() body: RenameServerRequest): Promise<Task> {
    return this.responder.respond(call, await this.servers.submit(call, 'server.rename', id, { name: body.name }));
  }

  /** Deletes a server with whatever steps its backend needs (e.g. stop first). */
  @Delete(':id')
  @TaskEndpoint('deleteServer', 'Delete a server')
  async delete(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.servers.submit(call, 'server.delete', id, {}));
  }

  @Post(':id/start')
  @TaskEndpoint('startServer', 'Start a server')
  async start(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.servers.submit(call, 'server.start', id, {}));
  }

  /** Stops a server: an orderly shutdown, or a hard power-off with `force: true`. */
  @Post(':id/stop')
  @TaskEndpoint('stopServer', 'Stop a server')
  async stop(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string, @Body() body?: StopServerRequest): Promise<Task> {
    return this.responder.respond(call, await this.servers.submit(call, 'server.stop', id, { force: body?.force ?? false }));
  }

  @Post(':id/reboot')
  @TaskEndpoint('rebootServer', 'Reboot a server')
  async reboot(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(call, await this.servers.submit(call, 'server.reboot', id, {}));
  }
}
