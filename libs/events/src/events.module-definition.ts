import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras } from '@shoal/cluster/internal';
import type { EventBusModuleOptions } from './events-options.js';

export const {
  ConfigurableModuleClass: EventsConfigurableModule,
  MODULE_OPTIONS_TOKEN: EVENTS_MODULE_OPTIONS,
  OPTIONS_TYPE: EVENTS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: EVENTS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<EventBusModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras(SHOAL_MODULE_EXTRAS, applyShoalModuleExtras)
  .build();

/** Options of `EventBusModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type EventBusModuleAsyncOptions = typeof EVENTS_ASYNC_OPTIONS_TYPE;
