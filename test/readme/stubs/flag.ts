/** The README's feature flag. */
export interface Flag {
  name: string;
  enabled: boolean;
}
