import type { DynamicModule, ModuleMetadata } from '@nestjs/common';

/** What every Shoal module's `forRoot` / `forRootAsync` takes besides its own options. */
export interface ShoalModuleExtras {
  /**
   * Register the module globally (default). With `false`, only modules that import it see its providers, and the
   * Shoal modules it needs must be passed in `imports`.
   */
  isGlobal: boolean;
  /**
   * Modules this one injects from when they are not global: `ClusterModule` for every Shoal module, `LeaderModule`
   * for ordered event handlers… Pass the same `ClusterModule.forRoot(...)` value you import in your app module.
   */
  imports: NonNullable<ModuleMetadata['imports']>;
}

/** The defaults of {@link ShoalModuleExtras}: global, no extra imports. */
export const SHOAL_MODULE_EXTRAS: ShoalModuleExtras = { isGlobal: true, imports: [] };

/** Applies {@link ShoalModuleExtras} to a module definition (for `ConfigurableModuleBuilder.setExtras`). */
export function applyShoalModuleExtras(definition: DynamicModule, extras: ShoalModuleExtras): DynamicModule {
  const imports = [...(definition.imports ?? []), ...(extras.imports ?? [])];
  return { ...definition, global: extras.isGlobal, imports: [...new Set(imports)] };
}
