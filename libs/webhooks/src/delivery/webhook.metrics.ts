import { registeredMetric } from '@shoal/cluster/internal';
import { Counter, register, type Registry } from 'prom-client';

/** `shoal_webhook_deliveries_total{outcome}`: every recorded delivery attempt, by outcome. Once per registry. */
export function webhookDeliveriesCounter(registry: Registry = register): Counter<'outcome'> {
  const name = 'shoal_webhook_deliveries_total';
  return registeredMetric(
    registry,
    name,
    () =>
      new Counter({
        name,
        help: 'Webhook delivery attempts, by outcome',
        labelNames: ['outcome'],
        registers: [registry],
      }),
  );
}
