import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId } from '../../common/swagger/endpoints.decorator';
import { COMMON_HEADERS, headerRefs } from '../../common/swagger/response-headers';
import { ApiRoot } from './root.dto';

const ROOT: ApiRoot = Object.freeze({
  links: Object.freeze({
    servers: '/v1/servers',
    volumes: '/v1/volumes',
    networks: '/v1/networks',
    ips: '/v1/ips',
    sshKeys: '/v1/ssh-keys',
    tasks: '/v1/tasks',
    events: '/v1/events',
    webhooks: '/v1/webhooks',
    providers: '/v1/providers',
  }),
  docs: '/docs',
  openapi: '/openapi.json',
});

// Not ReadEndpoint: its 400 and 404 cannot happen here (no parameters), only the problems any route gives.
@ApiTags('root')
@ApiBearerAuth()
@Controller('v1')
export class RootController {
  /**
   * Get the API index
   * @remarks The collections of the API and where its documentation is; the same for every API key.
   */
  @Get()
  @OperationId('getApiRoot')
  @ApiOkResponse({ type: ApiRoot, description: 'OK', headers: headerRefs(...COMMON_HEADERS) })
  @ApiProblems()
  index(): ApiRoot {
    return ROOT;
  }
}
