import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { EventTokens } from './event-tokens.service';

@Global()
@Module({
  providers: [ApiKeysService, EventTokens, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [ApiKeysService, EventTokens],
})
export class AuthModule {}
