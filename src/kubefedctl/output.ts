// What kubefedctl prints: kubectl-like action lines and YAML documents.
import yaml from 'js-yaml';

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** YAML of one or more objects, `---`-separated; keys in the order the objects were built. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join('---\n');
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted';

/** `created` when there was nothing before, `unchanged` when the write did not bump the resourceVersion. */
export function outcomeOf(
  before: { metadata?: { resourceVersion?: string } } | undefined,
  after: { metadata?: { resourceVersion?: string } },
): Outcome {
  if (!before) return 'created';
  return before.metadata?.resourceVersion === after.metadata?.resourceVersion ? 'unchanged' : 'updated';
}
