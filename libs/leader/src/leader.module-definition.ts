import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LeaderModuleOptions } from './leader-options.js';

export const {
  ConfigurableModuleClass: LeaderConfigurableModule,
  MODULE_OPTIONS_TOKEN: LEADER_MODULE_OPTIONS,
  OPTIONS_TYPE: LEADER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: LEADER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LeaderModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** Options of `LeaderModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type LeaderModuleAsyncOptions = typeof LEADER_ASYNC_OPTIONS_TYPE;
