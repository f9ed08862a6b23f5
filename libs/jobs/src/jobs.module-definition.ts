import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras } from '@shoal/cluster/internal';
import type { JobsModuleOptions } from './jobs-options.js';

export const {
  ConfigurableModuleClass: JobsConfigurableModule,
  MODULE_OPTIONS_TOKEN: JOBS_MODULE_OPTIONS,
  OPTIONS_TYPE: JOBS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: JOBS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<JobsModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras(SHOAL_MODULE_EXTRAS, applyShoalModuleExtras)
  .build();

/** Options of `JobsModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, and `imports`. */
export type JobsModuleAsyncOptions = typeof JOBS_ASYNC_OPTIONS_TYPE;
