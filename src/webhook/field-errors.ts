// Collects validation errors that each name their field (`spec.clusters["a"].minReplicas: …`), and reads
// fields of objects that arrive as untyped JSON, reporting a wrong type at the field instead of throwing.

/** `spec` + `clusters` → `spec.clusters`. */
export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** `spec.overrides` + 2 → `spec.overrides[2]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** `spec.clusters` + `a` → `spec.clusters["a"]` (map keys may hold dots, so they are always quoted). */
export function keyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field errors in the order they were found, each formatted as `field: message`. */
export class FieldErrors {
  readonly #messages: string[] = [];

  add(field: string, message: string): void {
    this.#messages.push(`${field}: ${message}`);
  }

  /** Adds messages that already start with their field (as `validateLabelSelector` returns them). */
  addFormatted(messages: readonly string[]): void {
    this.#messages.push(...messages);
  }

  get messages(): readonly string[] {
    return this.#messages;
  }

  // ---- readers: each returns the value when it has the expected type, else records why and returns undefined

  /** An object field; `null` and absent are the same (the API server drops nulls of non-nullable fields). */
  object(field: string, value: unknown, options: { required?: boolean } = {}): Record<string, unknown> | undefined {
    if (value === undefined || value === null) {
      if (options.required) this.add(field, 'required');
      return undefined;
    }
    if (!isRecord(value)) {
      this.add(field, `must be an object, not ${describeType(value)}`);
      return undefined;
    }
    return value;
  }

  array(field: string, value: unknown, options: { required?: boolean } = {}): unknown[] | undefined {
    if (value === undefined || value === null) {
      if (options.required) this.add(field, 'required');
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.add(field, `must be a list, not ${describeType(value)}`);
      return undefined;
    }
    return value;
  }

  /** A string field; with `required`, absent and empty are both reported as missing. */
  string(field: string, value: unknown, options: { required?: boolean } = {}): string | undefined {
    if (value === undefined || value === null || (options.required && value === '')) {
      if (options.required) this.add(field, 'required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.add(field, `must be a string, not ${describeType(value)}`);
      return undefined;
    }
    return value;
  }

  boolean(field: string, value: unknown): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.add(field, `must be true or false, not ${describeType(value)}`);
      return undefined;
    }
    return value;
  }

  /** An integer within [min, max]; the message names the bound that was crossed. */
  integer(
    field: string,
    value: unknown,
    options: { required?: boolean; min?: number; max?: number } = {},
  ): number | undefined {
    if (value === undefined || value === null) {
      if (options.required) this.add(field, 'required');
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(field, `must be an integer, not ${describeType(value)}`);
      return undefined;
    }
    if (options.min !== undefined && value < options.min) {
      this.add(field, options.min === 0 ? `must not be negative (got ${value})` : `must be at least ${options.min} (got ${value})`);
      return undefined;
    }
    if (options.max !== undefined && value > options.max) {
      this.add(field, `must be at most ${options.max} (got ${value})`);
      return undefined;
    }
    return value;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], options: { required?: boolean } = {}): T | undefined {
    const text = this.string(field, value, options);
    if (text === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(text)) {
      this.add(field, `unsupported value ${JSON.stringify(text)} (must be one of ${allowed.join(', ')})`);
      return undefined;
    }
    return text as T;
  }
}

function describeType(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}
