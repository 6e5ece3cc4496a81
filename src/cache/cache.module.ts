import { Global, Module } from '@nestjs/common';
import { SnapshotCache } from './snapshot-cache.service';

@Global()
@Module({ providers: [SnapshotCache], exports: [SnapshotCache] })
export class CacheModule {}
