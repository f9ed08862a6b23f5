import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras } from '@shoal/cluster/internal';
import type { CacheModuleOptions } from './cache-options.js';

export const {
  ConfigurableModuleClass: CacheConfigurableModule,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras(SHOAL_MODULE_EXTRAS, applyShoalModuleExtras)
  .build();

/** Options of `CacheModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type CacheModuleAsyncOptions = typeof CACHE_ASYNC_OPTIONS_TYPE;
