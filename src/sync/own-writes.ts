// The versions of fed objects our own writes produced (the finalizer, the status). The reconcile that wrote one
// had already decided from everything it changes, so its watch event (the echo) needs no reconcile of its own:
// without this, every object is reconciled once more per host write, for nothing. Pure bookkeeping.

export class OwnWrites {
  /** fed key → the resourceVersion the API server returned for our last write of it. */
  private readonly versions = new Map<string, string>();

  /** Our write of `key` returned `resourceVersion`. */
  wrote(key: string, resourceVersion: string | undefined): void {
    if (resourceVersion) this.versions.set(key, resourceVersion);
    else this.versions.delete(key);
  }

  /**
   * Whether an update of `key` to `resourceVersion` is the echo of our last write. Asked once per event: any
   * version seen afterwards (another writer's) is not ours, even should the same value come back.
   */
  isEcho(key: string, resourceVersion: string | undefined): boolean {
    const mine = this.versions.get(key);
    if (mine === undefined) return false;
    this.versions.delete(key);
    return resourceVersion !== undefined && mine === resourceVersion;
  }

  forget(key: string): void {
    this.versions.delete(key);
  }

  get size(): number {
    return this.versions.size;
  }
}
