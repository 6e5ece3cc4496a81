import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { UnsupportedOperationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { wantsFresh } from '../../common/http/fresh';
import { ReadEndpoint, ResourceReadEndpoint } from '../../common/swagger/endpoints.decorator';
import { SshKeyView } from '../../domain/resource-views.dto';
import { ResourceType } from '../../domain/states';
import { Task } from '../../tasks/task.dto';
import { MutationService } from '../../application/mutation.service';
import { ResourceReaderService } from '../../application/resource-reader.service';
import { ResourceIdPipe } from '../common/id-param.pipe';
import { ReadQuery } from '../common/list.dto';
import { mutationCall } from '../common/mutation-call';
import { readHeaders } from '../common/read-headers';
import { CreateEndpoint, TaskEndpoint } from '../common/task-endpoint.decorator';
import { TaskResponder } from '../common/task-responder';
import { CreateSshKeyRequest, SshKeyList, SshKeyListQuery } from './ssh-keys.dto';

/** SSH public keys kept by the connections whose backend keeps them as objects (docs/design.md#ssh-keys). */
@ApiTags('ssh-keys')
@ApiBearerAuth()
@Controller('v1/ssh-keys')
export class SshKeysController {
  constructor(
    private readonly mutations: MutationService,
    private readonly reader: ResourceReaderService,
    private readonly responder: TaskResponder,
  ) {}

  /**
   * List SSH keys
   * @remarks Keys across every provider connection the API key may see whose backend keeps SSH keys, each with its SHA256 `fingerprint` as `ssh-keygen -l` prints it.
   */
  @Get()
  @ReadEndpoint('listSshKeys', SshKeyList)
  list(@Call() call: HttpCall, @Query() query: SshKeyListQuery): Promise<SshKeyList> {
    return this.reader.list(
      ResourceType.SshKey,
      call.caller,
      query,
      String(call.request.id),
      wantsFresh(call.request, query.fresh),
    );
  }

  /**
   * Add an SSH key
   * @remarks Kept by the connection's backend, to install on servers it creates (`sshKeyIds`). Connections whose backend keeps no SSH keys answer 501 (their capability document says why).
   */
  @Post()
  @CreateEndpoint('createSshKey')
  async create(@Call() call: HttpCall, @Body() body: CreateSshKeyRequest): Promise<Task> {
    const submitted = await this.mutations.submit({
      call: mutationCall(call),
      operation: 'sshKey.create',
      connection: body.provider,
      input: (adapter) => {
        // A backend that keeps keys has them to read too; without the reader the key could never be found again.
        if (!adapter.sshKeys)
          throw new UnsupportedOperationError(
            adapter.name,
            'sshKey.read',
            adapter.unsupportedReasons?.['sshKey.create'],
          );
        return { name: body.name, publicKey: body.publicKey.trim() };
      },
    });
    return this.responder.respond(call, submitted);
  }

  /**
   * Get an SSH key
   * @remarks Read through a short cache. When the backend fails, the last copy is served with `Cache-Status` and `Age`. The `ETag` names the version served: `If-None-Match` with it answers 304 while it is current, `If-Match` with it makes a change only on that version.
   */
  @Get(':id')
  @ResourceReadEndpoint('getSshKey', SshKeyView, 501, 502, 503, 504)
  async get(
    @Call() call: HttpCall,
    @Param('id', ResourceIdPipe) id: string,
    @Query() query: ReadQuery,
  ): Promise<SshKeyView> {
    return readHeaders(
      call,
      await this.reader.get(ResourceType.SshKey, call.caller, id, wantsFresh(call.request, query.fresh)),
    );
  }

  /**
   * Delete an SSH key
   * @remarks Servers that have it installed keep it; only the connection forgets it.
   */
  @Delete(':id')
  @TaskEndpoint('deleteSshKey')
  async delete(@Call() call: HttpCall, @Param('id', ResourceIdPipe) id: string): Promise<Task> {
    return this.responder.respond(
      call,
      await this.mutations.submitOn(mutationCall(call), 'sshKey.delete', id, {}),
    );
  }
}
