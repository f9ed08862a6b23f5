/** Options of the {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit refuses attempts before letting one probe through. Default 30 000 ms. */
  cooldownMs?: number;
  /**
   * How long a half-open probe may stay unreported (e.g. its worker died) before another probe is allowed.
   * Default: `cooldownMs`.
   */
  probeTimeoutMs?: number;
  /** Clock in epoch ms, injectable for tests. Default Date.now. */
  now?: () => number;
}

/** `closed`: attempts flow; `open`: attempts refused; `half-open`: one probe attempt at a time. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** What {@link CircuitBreaker.canAttempt} answers when the attempt must wait. */
export interface CircuitBreakerWait {
  /** When to ask again, in ms (≥ 1). */
  retryInMs: number;
}

interface EndpointCircuit {
  state: CircuitState;
  consecutiveFailures: number;
  /** When the circuit (last) opened. */
  openedAt: number;
  /** When the current half-open probe was granted. */
  probeStartedAt: number;
}

/**
 * Per-endpoint circuit breaker, in memory (so per process: each replica keeps its own view).
 *
 * closed → open after `failureThreshold` consecutive failures → half-open once `cooldownMs` has passed,
 * granting a single probe → closed when the probe succeeds, open again (for a new cooldown) when it fails.
 * Any success closes the circuit and forgets the endpoint. Pure apart from the injectable clock.
 */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly probeTimeoutMs: number;
  private readonly now: () => number;
  private readonly circuits = new Map<string, EndpointCircuit>();

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? this.cooldownMs;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new RangeError('failureThreshold must be a positive integer');
    }
    if (!(this.cooldownMs >= 0) || !(this.probeTimeoutMs >= 0)) {
      throw new RangeError('cooldownMs and probeTimeoutMs must be non-negative');
    }
  }

  /**
   * May an attempt to this endpoint go now? `true`, or how long to wait. In half-open state a `true`
   * grants the single probe: report its result with {@link recordSuccess} / {@link recordFailure}.
   */
  canAttempt(endpointId: string): true | CircuitBreakerWait {
    const circuit = this.circuits.get(endpointId);
    if (circuit === undefined || circuit.state === 'closed') return true;
    const now = this.now();
    if (circuit.state === 'open') {
      const reopensAt = circuit.openedAt + this.cooldownMs;
      if (now < reopensAt) return { retryInMs: Math.max(1, reopensAt - now) };
      circuit.state = 'half-open';
      circuit.probeStartedAt = now;
      return true;
    }
    const probeExpiresAt = circuit.probeStartedAt + this.probeTimeoutMs;
    if (now < probeExpiresAt) return { retryInMs: Math.max(1, probeExpiresAt - now) };
    circuit.probeStartedAt = now; // the previous probe never reported: grant a new one
    return true;
  }

  /** Records a successful attempt: the circuit closes and the failure count resets. */
  recordSuccess(endpointId: string): void {
    this.circuits.delete(endpointId);
  }

  /** Records a failed attempt: may open (or re-open) the circuit. */
  recordFailure(endpointId: string): void {
    const now = this.now();
    const circuit = this.circuits.get(endpointId) ?? {
      state: 'closed',
      consecutiveFailures: 0,
      openedAt: 0,
      probeStartedAt: 0,
    };
    circuit.consecutiveFailures += 1;
    if (circuit.state === 'half-open') {
      circuit.state = 'open';
      circuit.openedAt = now;
    } else if (circuit.state === 'closed' && circuit.consecutiveFailures >= this.failureThreshold) {
      circuit.state = 'open';
      circuit.openedAt = now;
    }
    // Already open: a late failure of an attempt started before opening does not extend the cooldown.
    this.circuits.set(endpointId, circuit);
  }

  /** The endpoint's state as last recorded (an open circuit becomes half-open on the next canAttempt). */
  state(endpointId: string): CircuitState {
    return this.circuits.get(endpointId)?.state ?? 'closed';
  }

  /** Consecutive failures recorded for the endpoint since its last success. */
  consecutiveFailures(endpointId: string): number {
    return this.circuits.get(endpointId)?.consecutiveFailures ?? 0;
  }

  /** Forgets an endpoint (e.g. when it is deleted or re-enabled). */
  reset(endpointId: string): void {
    this.circuits.delete(endpointId);
  }
}
