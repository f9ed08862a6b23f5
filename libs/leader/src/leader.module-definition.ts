import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras } from '@shoal/cluster/internal';
import type { LeaderModuleOptions } from './leader-options.js';

export const {
  ConfigurableModuleClass: LeaderConfigurableModule,
  MODULE_OPTIONS_TOKEN: LEADER_MODULE_OPTIONS,
  OPTIONS_TYPE: LEADER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LEADER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LeaderModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras(SHOAL_MODULE_EXTRAS, applyShoalModuleExtras)
  .build();

/** Options of `LeaderModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type LeaderModuleAsyncOptions = typeof LEADER_ASYNC_OPTIONS_TYPE;
