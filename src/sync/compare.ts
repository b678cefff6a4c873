// Decides whether a member object already matches what the sync controller wants, without writing: the
// desired object must be a semantic subset of the actual one (the API server adds defaults and status).

/** How many differing paths `diffPaths` reports by default; enough for an Event message. */
export const MAX_DIFF_PATHS = 10;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

// The API server drops null and, for built-in types (Go omitempty), empty maps and lists; wanting one of
// those is satisfied by its absence, or every reconcile would see a difference that no write can remove.
function satisfiedByAbsence(desired: unknown): boolean {
  if (desired === null || desired === undefined) return true;
  if (Array.isArray(desired)) return desired.length === 0;
  return isRecord(desired) && Object.keys(desired).every((key) => satisfiedByAbsence(desired[key]));
}

// Cached objects may carry Date objects where the API sent RFC 3339 strings (client-node's typed models).
function timeValue(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

/** Escapes one key for a JSON pointer (RFC 6901). */
function pointerToken(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Walks `desired` against `actual`, reporting the pointer of each place where desired is not contained in
 * actual; stops early once `report` returns false.
 */
function walk(desired: unknown, actual: unknown, path: string, report: (path: string) => boolean): boolean {
  if (desired === undefined) return true;
  if (actual === undefined || actual === null) return satisfiedByAbsence(desired) || report(path);
  if (desired === null) return report(path);

  if (desired instanceof Date || actual instanceof Date) {
    const wanted = timeValue(desired);
    return (wanted !== undefined && wanted === timeValue(actual)) || report(path);
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return report(path);
    for (let index = 0; index < desired.length; index++) {
      if (!walk(desired[index], actual[index], `${path}/${index}`, report)) return false;
    }
    return true;
  }
  if (isRecord(desired)) {
    if (!isRecord(actual)) return report(path);
    // Sorted so that messages list the same paths in the same order every time.
    for (const key of Object.keys(desired).sort()) {
      if (!walk(desired[key], actual[key], `${path}/${pointerToken(key)}`, report)) return false;
    }
    return true;
  }
  // Strict: 1 and "1" differ (an IntOrString port or a ConfigMap value changing type is a real change).
  return desired === actual || report(path);
}

/**
 * Whether every field present in `desired` is present and equal in `actual`.
 *
 * Objects are compared recursively and may have extra keys in `actual` (defaults, status); arrays must have
 * the same length and match element by element; other values must be strictly equal (a number never equals
 * a numeric string). `null` — and an empty map or list — in `desired` is satisfied by the field being absent
 * (or null) in `actual`, since the API server does not store them. A Date and an RFC 3339 string are equal
 * when they denote the same instant.
 */
export function isSemanticSubset(desired: unknown, actual: unknown): boolean {
  return walk(desired, actual, '', () => false);
}

/**
 * The JSON pointers (RFC 6901, e.g. `/spec/replicas`, `/metadata/labels/app~1tier`) at which `desired` is not a
 * semantic subset of `actual` (see `isSemanticSubset`), in sorted-key order, at most `limit` of them.
 * A difference at the top level is reported as the empty pointer `""`.
 */
export function diffPaths(desired: unknown, actual: unknown, limit: number = MAX_DIFF_PATHS): string[] {
  const paths: string[] = [];
  if (limit <= 0) return paths;
  walk(desired, actual, '', (path) => {
    paths.push(path);
    return paths.length < limit;
  });
  return paths;
}
