import { Module } from '@nestjs/common';
import { EventsController } from './events/events.controller';
import { IpsController } from './ips/ips.controller';
import { NetworksController } from './networks/networks.controller';
import { ProvidersController } from './providers/providers.controller';
import { RootController } from './root/root.controller';
import { ServersController } from './servers/servers.controller';
import { ServersService } from './servers/servers.service';
import { SshKeysController } from './ssh-keys/ssh-keys.controller';
import { TasksController } from './tasks/tasks.controller';
import { VolumesController } from './volumes/volumes.controller';
import { VolumesService } from './volumes/volumes.service';
import { LabelChanges } from '../application/label-changes.service';
import { MutationService } from '../application/mutation.service';
import { ProviderOptionsValidator } from '../application/provider-options.validator';
import { RequestSchemas } from '../application/request-schemas';
import { ResourceAccess } from '../application/resource-access.service';
import { ResourceReaderService } from '../application/resource-reader.service';
import { TaskPresenter } from '../application/task-presenter';
import { TaskResponder } from './common/task-responder';
import { HistoryModule } from './history/history.module';
import { WebhooksController } from './webhooks/webhooks.controller';

/** The public /v1 API (role api or all). */
@Module({
  imports: [HistoryModule],
  controllers: [
    RootController,
    WebhooksController,
    ServersController,
    VolumesController,
    NetworksController,
    IpsController,
    SshKeysController,
    TasksController,
    ProvidersController,
    EventsController,
  ],
  providers: [
    ServersService,
    VolumesService,
    MutationService,
    LabelChanges,
    ProviderOptionsValidator,
    RequestSchemas,
    ResourceAccess,
    ResourceReaderService,
    TaskResponder,
    TaskPresenter,
  ],
})
export class ApiModule {}
