import { type DynamicModule, Module } from '@nestjs/common';
import { ClusterModule } from '@shoal/cluster';
import { ClusterController } from './cluster/cluster.controller.js';
import { MembershipLog } from './cluster/membership-log.service.js';
import type { SampleConfig } from './sample-config.js';

/** The sample app: one replica of a Shoal cluster. */
@Module({})
export class AppModule {
  static forConfig(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ClusterModule.forRoot(config.cluster)],
      controllers: [ClusterController],
      providers: [MembershipLog],
    };
  }
}
