import { ConfigurableModuleBuilder, Controller, type DynamicModule, type Type } from '@nestjs/common';
import { SHOAL_MODULE_EXTRAS, applyShoalModuleExtras, type ShoalModuleExtras } from '@shoal/cluster/internal';
import { HealthController } from './controllers/health.controller.js';
import { MetricsController } from './controllers/metrics.controller.js';
import type { HealthModuleOptions } from './health-options.js';
import { HEALTH_DEFAULTS } from './health-options.js';

/** What `HealthModule.forRoot` / `forRootAsync` take besides the options: where the endpoints are mounted. */
export interface HealthModuleExtras extends ShoalModuleExtras {
  /** Path of `GET <path>/live`, `GET <path>/ready` and `GET <path>`. Default `health`. */
  path: string;
  /** Path of the Prometheus endpoint, or `false` for none. Default `metrics`. */
  metricsPath: string | false;
}

/** A controller class of its own mounted at `path` (one per app, so apps in one process can differ). */
function mounted<T>(base: Type<T>, path: string): Type<T> {
  const controller = class extends (base as Type<object>) {} as Type<T>;
  Object.defineProperty(controller, 'name', { value: base.name });
  Controller(path)(controller);
  return controller;
}

function withControllers(definition: DynamicModule, extras: HealthModuleExtras): DynamicModule {
  const controllers: Type[] = [mounted(HealthController, extras.path)];
  if (extras.metricsPath !== false) controllers.push(mounted(MetricsController, extras.metricsPath));
  return { ...definition, controllers: [...(definition.controllers ?? []), ...controllers] };
}

export const {
  ConfigurableModuleClass: HealthConfigurableModule,
  MODULE_OPTIONS_TOKEN: HEALTH_MODULE_OPTIONS,
  OPTIONS_TYPE: HEALTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HEALTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HealthModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<HealthModuleExtras>(
    { ...SHOAL_MODULE_EXTRAS, path: HEALTH_DEFAULTS.path, metricsPath: HEALTH_DEFAULTS.metricsPath },
    (definition, extras) => applyShoalModuleExtras(withControllers(definition, extras), extras),
  )
  .build();

/**
 * Options of `HealthModule.forRootAsync()`: `useFactory` + `inject`, `useClass` or `useExisting`, `imports`, and
 * the extras `path` / `metricsPath` (known before the factory runs, since they mount routes).
 */
export type HealthModuleAsyncOptions = typeof HEALTH_ASYNC_OPTIONS_TYPE;
