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
  } catch {
    // Not the parser's message: it quotes the text, which may hold Secret data.
    return { ok: false, error: 'not JSON' };
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

/** The real key a stored entry (bundle or report) names, or undefined when it is not an entry. */
export function entryKeyOf(text: string): string | undefined {
  try {
    const key = (JSON.parse(text) as { key?: unknown } | null)?.key;
    return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY ? key : undefined;
  } catch {
    return undefined;
  }
}

/** One target type the host wants the agent to watch and report, with what its reports must carry. */
export const WorkTypeSchema = z.object({
  id: z.string().min(1).max(63),
  group: z.string().max(253),
  version: z.string().min(1).max(63),
  plural: z.string().min(1).max(253),
  kind: z.string().min(1).max(253),
  namespaced: z.boolean(),
  /** Report `.status` (status collection, replica scheduling). */
  status: z.boolean(),
  /** Report `spec.replicas` and `spec.selector.matchLabels` (replica scheduling). */
  workload: z.boolean(),
});
export type WorkType = z.infer<typeof WorkTypeSchema>;

/** The types Secret's `types` key: the types to watch, and the namespace of a namespace-scoped federation. */
export const TypesManifestSchema = z.object({
  namespace: z.string().min(1).max(63).optional(),
  types: z.array(WorkTypeSchema).max(1_000),
});
export type TypesManifest = z.infer<typeof TypesManifestSchema>;
export const TYPES_KEY = 'types';

/** The report state ConfigMap's `state` key: per type, whether the agent's reports are complete. */
export const ReportStateSchema = z.object({
  /** Changes on every agent start. */
  epoch: z.string().min(1).max(64),
  types: z.record(
    z.string().max(63),
    z.object({
      /** Listed in the member since this agent started: its reports show every managed object. */
      listed: z.boolean(),
      status: z.boolean(),
      workload: z.boolean(),
      /** Why the type cannot be listed (no such resource, forbidden). */
      error: Text.optional(),
    }),
  ),
});
export type ReportState = z.infer<typeof ReportStateSchema>;
export const STATE_KEY = 'state';
