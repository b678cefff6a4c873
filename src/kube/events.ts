// Kubernetes Events on federated objects for outcomes users care about (created in a cluster, drift
// reverted, a failure). Fire and forget: recording never blocks or fails a reconcile. Repeats of the same
// event on the same object bump the count of the existing Event instead of creating a new one, and a
// token bucket keeps an event storm from flooding the host API server.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../util/log.js';
import { errorMessage } from './errors.js';
import type { RestClient } from './rest-client.js';
import { CoreTypes, type KubeObject } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(object: KubeObject, type: EventType, reason: string, message: string): void;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

const DEDUPE_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 4096;

export class EventRecorder implements EventSink {
  private readonly seen = new Map<string, SeenEvent>();
  private tokens: number;
  private lastRefill = Date.now();

  constructor(
    private readonly client: RestClient,
    private readonly component: string,
    private readonly log: Logger,
    private readonly burst = 50,
    private readonly perSecond = 10,
  ) {
    this.tokens = burst;
  }

  record(object: KubeObject, type: EventType, reason: string, message: string): void {
    if (!this.takeToken()) {
      this.log.debug({ reason, name: object.metadata?.name }, 'event dropped by rate limit');
      return;
    }
    void this.write(object, type, reason, message).catch((err: unknown) => {
      this.log.debug({ reason, name: object.metadata?.name, err: errorMessage(err) }, 'could not record event');
    });
  }

  private takeToken(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.perSecond);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async write(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = object.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = `${meta.uid}|${type}|${reason}|${message}`;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const previous = this.seen.get(key);
    if (previous && Date.now() - previous.lastSeen < DEDUPE_WINDOW_MS) {
      previous.count += 1;
      previous.lastSeen = Date.now();
      await this.client.mergePatch(CoreTypes.event, previous.name, previous.namespace, { count: previous.count, lastTimestamp: now });
      return;
    }
    const name = `${meta.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`;
    await this.client.create(
      CoreTypes.event,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type,
        reason,
        message,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.component,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
      this.component,
    );
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { name, namespace, count: 1, firstTimestamp: now, lastSeen: Date.now() });
  }
}
