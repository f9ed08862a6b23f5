import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras } from '@shoal/cluster/internal';
import type { MessagingModuleOptions } from './messaging-options.js';

export const {
  ConfigurableModuleClass: MessagingConfigurableModule,
  MODULE_OPTIONS_TOKEN: MESSAGING_MODULE_OPTIONS,
  OPTIONS_TYPE: MESSAGING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MESSAGING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MessagingModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras(SHOAL_MODULE_EXTRAS, applyShoalModuleExtras)
  .build();

/** Options of `MessagingModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type MessagingModuleAsyncOptions = typeof MESSAGING_ASYNC_OPTIONS_TYPE;
