// The entries of bundles (host → agent) and reports (agent → host), as zod schemas: each side validates what
// the other wrote before using it, and a report is untrusted input to the host (a compromised member must not
// crash or mislead it beyond its own cluster's status). Pure. See docs/pull-mode.md.
import { z } from 'zod';
import { PropagationStatus } from '../api/constants.js';
import type { MemberAction, WorkOutcome } from '../execution/work.js';

const MAX_KEY = 512;
const MAX_TEXT = 32 * 1024;
const MAX_PATHS = 200;

const Key = z.string().min(1).max(MAX_KEY);
const Text = z.string().max(MAX_TEXT);
const Version = z.string().max(64);
const Paths = z.array(z.string().max(1024)).max(MAX_PATHS);
const Seq = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const KubeObjectSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({}).optional(),
});
const Status = z.enum(Object.values(PropagationStatus) as [PropagationStatus, ...PropagationStatus[]]);

/** A MemberAction as published; `applyOwnership` never travels (the agent computes it from its own object). */
export const PublishedActionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('create'),
    desired: KubeObjectSchema,
    hash: Version,
    adoption: z.object({ adoptResources: z.boolean(), hostNamespaceUid: z.string().max(128).optional() }),
  }),
  z.object({ kind: z.literal('update'), desired: KubeObjectSchema, hash: Version, basedOn: Version.optional(), drift: Paths.optional() }),
  z.object({ kind: z.literal('delete'), options: z.record(z.string(), z.unknown()).optional(), basedOn: Version.optional() }),
  z.object({ kind: z.literal('unlabel'), basedOn: Version.optional() }),
]);

export const BundleEntrySchema = z.object({ key: Key, seq: Seq, action: PublishedActionSchema });
export type BundleEntry = z.infer<typeof BundleEntrySchema>;

export const ReportedMemberSchema = z.object({
  uid: z.string().max(128).optional(),
  resourceVersion: Version.optional(),
  generation: z.int().min(0).optional(),
  deletionTimestamp: z.string().max(64).optional(),
  /** The value of the `kubefed.io/managed` label. */
  managed: z.string().max(63).optional(),
  /** Our `kubefed.io/propagated-hash` annotation. */
  hash: Version.optional(),
  status: z.unknown().optional(),
  workload: z
    .object({ replicas: z.int().min(0).optional(), selector: z.object({ matchLabels: z.record(z.string(), z.string()).optional() }).optional() })
    .optional(),
  judgement: z.object({ hash: Version.optional(), drift: Paths }).optional(),
});
export type ReportedMember = z.infer<typeof ReportedMemberSchema>;

export const ReportedOutcomeSchema = z.object({
  kind: z.enum(['create', 'update', 'delete', 'unlabel']),
  hash: Version.optional(),
  status: Status,
  message: Text.optional(),
  refused: z.boolean().optional(),
  retrying: z.boolean().optional(),
  notAttempted: z.boolean().optional(),
  unanswered: z.boolean().optional(),
  written: z
    .object({ resourceVersion: Version, previousResourceVersion: Version.optional(), intermediateResourceVersion: Version.optional() })
    .optional(),
  adopted: z.boolean().optional(),
  drift: Paths.optional(),
  basedOn: Version.optional(),
  elapsedMs: z.number().min(0).optional(),
});

export const ReportEntrySchema = z.object({
  key: Key,
  member: ReportedMemberSchema.optional(),
  done: z.object({ seq: Seq, outcome: ReportedOutcomeSchema }).optional(),
});
export type ReportEntry = z.infer<typeof ReportEntrySchema>;

/** The entry of a submitted action; `applyOwnership` is dropped. */
export function bundleEntryFor(key: string, seq: number, action: MemberAction): BundleEntry {
  if (action.kind === 'update') {
    const { applyOwnership: _local, ...published } = action;
    return { key, seq, action: dropUndefined(published) as BundleEntry['action'] };
  }
  return { key, seq, action: dropUndefined(action) as BundleEntry['action'] };
}

/** The MemberAction an agent executes for an entry, with the ownership patch its own member object calls for. */
export function actionOf(entry: BundleEntry, applyOwnership: string | undefined): MemberAction {
  const action = entry.action as MemberAction;
  return action.kind === 'update' && applyOwnership !== undefined ? { ...action, applyOwnership } : action;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses one data value (JSON) against a schema; never throws. */
export function decodeEntry<T>(schema: z.ZodType<T>, text: string): Decoded<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ') };
}

/** The WorkOutcome a valid report entry's `done` stands for. */
export function outcomeOf(done: NonNullable<ReportEntry['done']>): WorkOutcome {
  return dropUndefined(done.outcome) as WorkOutcome;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
