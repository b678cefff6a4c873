// Errors of kubefedctl: every failure becomes one CliError whose message says what went wrong and what to
// do about it; API errors are translated here, once, with the context and the operation that failed.
import { ApiError } from '../kube/errors.js';
import type { ResourceType } from '../kube/types.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a request was doing, for error messages: `create` `serviceaccounts` in namespace `x` … */
export interface Operation {
  /** Kubernetes verb: get, list, create, patch, update, delete. */
  verb: string;
  type: ResourceType;
  name?: string | undefined;
  namespace?: string | undefined;
}

/** `deployments.apps`, `secrets`: the resource as RBAC rules and kubectl name it. */
export function qualifiedResource(type: Pick<ResourceType, 'plural' | 'group'>): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

function describeTarget(op: Operation): string {
  const what = op.name ? `${qualifiedResource(op.type)} "${op.name}"` : qualifiedResource(op.type);
  return op.namespace && op.type.namespaced ? `${what} in namespace "${op.namespace}"` : what;
}

/**
 * Turns an API error into a message naming the context, the operation and the way out. Errors that are not
 * ApiErrors (programming errors, CliErrors) pass through unchanged.
 */
export function explainApiError(err: unknown, context: string, server: string, op: Operation): Error {
  if (!(err instanceof ApiError)) return err instanceof Error ? err : new Error(String(err));
  const target = describeTarget(op);
  switch (err.code) {
    case 0:
      return new CliError(
        `cannot reach the API server of context "${context}" at ${server} (${err.reason}): ${stripRequest(err.message)}; ` +
          `check that the cluster is running and that the kubeconfig's server address is right`,
        1,
        { cause: err },
      );
    case 401:
      return new CliError(
        `the API server of context "${context}" (${server}) rejected its credentials (401 Unauthorized); ` +
          `refresh them (log in again or renew the token/certificate in the kubeconfig) and retry`,
        1,
        { cause: err },
      );
    case 403: {
      const group = op.type.group ? ` in API group "${op.type.group}"` : ' in the core API group';
      const scope = op.namespace && op.type.namespaced ? ` in namespace "${op.namespace}"` : ' cluster-wide';
      return new CliError(
        `the identity of context "${context}" may not ${op.verb} ${target}; ask the cluster's administrator for a ` +
          `role granting "${op.verb}" on "${op.type.plural}"${group}${scope}, or use a context with more rights`,
        1,
        { cause: err },
      );
    }
    case 404:
      if (!op.name || op.verb === 'create' || op.verb === 'list') {
        return new CliError(
          `the API server of context "${context}" does not serve ${qualifiedResource(op.type)}/${op.type.version}; ` +
            `is its CustomResourceDefinition installed${op.type.group.endsWith('kubefed.io') ? ' (kubectl apply --server-side -f crds/)' : ''}?`,
          1,
          { cause: err },
        );
      }
      return new CliError(`${target} not found in context "${context}"`, 1, { cause: err });
    default:
      return new CliError(`cannot ${op.verb} ${target} in context "${context}": ${stripRequest(err.message)}`, 1, {
        cause: err,
      });
  }
}

// RestClient prefixes messages with "METHOD /path on name: "; the operation is already named by us.
function stripRequest(message: string): string {
  return message.replace(/^(GET|POST|PUT|PATCH|DELETE|WATCH) \S+ on [^:]+: /, '');
}

/** Whether an error means the cluster could not be talked to at all (no answer, or bad credentials). */
export function isUnreachable(err: unknown): boolean {
  const cause = err instanceof CliError ? err.cause : err;
  return cause instanceof ApiError && (cause.code === 0 || cause.code === 401);
}

export function isForbiddenError(err: unknown): boolean {
  const cause = err instanceof CliError ? err.cause : err;
  return cause instanceof ApiError && cause.code === 403;
}

/** The HTTP status behind an error (a CliError's ApiError cause, or an ApiError), if any. */
export function apiStatusOf(err: unknown): { code: number; reason: string } | undefined {
  const cause = err instanceof CliError ? err.cause : err;
  return cause instanceof ApiError ? { code: cause.code, reason: cause.reason } : undefined;
}
