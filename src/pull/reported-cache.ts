// The member cache of one type in one pull cluster, filled from the agent's reports instead of a watch of the
// member (the host has no client for it): each report entry's `member` becomes the MemberObject a push
// cluster's informer would keep, judged by the agent against the published desired object. A change of what
// the report says of an object is one event for its key.
import type { InformerEvent } from '../kube/informer.js';
import type { ResourceType } from '../kube/types.js';
import { splitKey } from '../kube/types.js';
import type { ReportedMemberCache } from '../members/member-caches.js';
import type { MemberObject, MemberProjection } from '../members/member-object.js';
import { canonicalJson } from '../sync/render.js';
import { memberObjectOf, reportedCacheState, type ReportedCacheState } from './decide.js';
import type { ReportedMember } from './entries.js';
import type { PullLink } from './link.js';
import { typeId as typeIdOf } from './names.js';

export class ReportedCache implements ReportedMemberCache {
  private readonly typeId: string;
  private readonly namespace: string | undefined;
  private readonly members = new Map<string, { raw: string; object: MemberObject }>();
  private readonly unsubscribe: () => void;
  private readonly release: () => void;

  constructor(
    private readonly link: PullLink,
    type: ResourceType,
    private readonly projection: MemberProjection,
    targetNamespace: string | undefined,
    private readonly onEvent: (event: InformerEvent<MemberObject>) => void,
  ) {
    this.typeId = typeIdOf(type);
    this.namespace = type.namespaced ? targetNamespace : undefined;
    this.unsubscribe = link.onReportEntry((typeId, key, entry) => {
      if (typeId === this.typeId) this.update(key, entry?.member, true);
    });
    this.release = link.wantType(type, projection);
    for (const key of link.reports.keys(this.typeId)) this.update(key, link.report(this.typeId, key)?.member, false);
  }

  get(key: string): MemberObject | undefined {
    return this.members.get(key)?.object;
  }

  state(): ReportedCacheState {
    return reportedCacheState({ synced: this.link.synced(), state: this.link.reportState(), typeId: this.typeId, projection: this.projection });
  }

  synced(): boolean {
    return this.link.synced();
  }

  retryNow(): void {
    this.link.reports.retryNow();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    this.release();
  }

  private update(key: string, member: ReportedMember | undefined, emit: boolean): void {
    // Reports are untrusted: an object outside the federation's namespace is none of ours.
    if (this.namespace !== undefined && splitKey(key).namespace !== this.namespace) return;
    const before = this.members.get(key);
    if (!member) {
      if (!before) return;
      this.members.delete(key);
      if (emit) this.onEvent({ type: 'deleted', object: before.object });
      return;
    }
    const raw = canonicalJson(member);
    if (before?.raw === raw) return;
    const object = memberObjectOf(key, member)!;
    this.members.set(key, { raw, object });
    if (emit) this.onEvent(before ? { type: 'updated', object, old: before.object } : { type: 'added', object });
  }
}
