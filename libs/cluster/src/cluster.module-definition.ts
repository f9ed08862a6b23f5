import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras } from './module-extras.js';
import type { ClusterModuleOptions } from './cluster-options.js';

export const {
  ConfigurableModuleClass: ClusterConfigurableModule,
  MODULE_OPTIONS_TOKEN: CLUSTER_MODULE_OPTIONS,
  OPTIONS_TYPE: CLUSTER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CLUSTER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ClusterModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras(SHOAL_MODULE_EXTRAS, applyShoalModuleExtras)
  .build();

/** Options of `ClusterModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type ClusterModuleAsyncOptions = typeof CLUSTER_ASYNC_OPTIONS_TYPE;
