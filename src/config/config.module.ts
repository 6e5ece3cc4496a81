import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway-config';

/** The validated config (loaded and checked before Nest starts), for everyone. */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [registerAs('gateway', () => config)] })],
      providers: [
        {
          provide: GATEWAY_CONFIG,
          inject: [ConfigService],
          useFactory: (service: ConfigService) => service.getOrThrow<GatewayConfig>('gateway'),
        },
      ],
      exports: [GATEWAY_CONFIG],
    };
  }
}
