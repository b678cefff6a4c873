// Public surface of the queueing primitives: the controller work queue, concurrency limiting and
// backoff arithmetic.
export { exponentialBackoff, proportionalJitter, type Jitter } from './backoff.js';
export { ConcurrencyLimiter, mapLimited } from './limiter.js';
export {
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  WorkQueue,
  type ProcessOutcome,
  type ReconcileHandler,
  type ReconcileResult,
  type ShutdownOptions,
  type WorkQueueObserver,
  type WorkQueueOptions,
} from './work-queue.js';
