// The KubeFedConfig defaulting webhook (KubeFed's path `/default-kubefedconfig`): a KubeFedConfig being
// written gets every unset field and every missing feature gate, so the stored object says what the
// controller-manager will run with. The rule itself is `fillKubeFedConfigDefaults` (src/api/kubefedconfig.ts).
import { CORE_GROUP, KUBEFED_CONFIG_PLURAL } from '../api/constants.js';
import { fillKubeFedConfigDefaults } from '../api/kubefedconfig.js';
import { canonicalJson } from '../sync/render.js';
import { isRecord } from './field-errors.js';
import type { JsonPatchAdd } from './sync-finalizer.js';

/** The parts of an AdmissionReview request the defaulting reads. */
export interface DefaultingRequest {
  operation: string;
  subResource?: string;
  object?: unknown;
  resource?: { group?: unknown; resource?: unknown } | undefined;
}

/**
 * The JSON patch that fills in the defaults of a KubeFedConfig being created or updated, or undefined when
 * nothing is missing (or the object is not one the rule can read; validation then says why). Like KubeFed,
 * it writes the whole spec back in one operation.
 */
export function kubeFedConfigDefaultsPatch(request: DefaultingRequest): JsonPatchAdd[] | undefined {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return undefined;
  if ((request.subResource ?? '') !== '') return undefined;
  if (request.resource?.group !== CORE_GROUP || request.resource?.resource !== KUBEFED_CONFIG_PLURAL) return undefined;
  const object = request.object;
  if (!isRecord(object)) return undefined;
  const filled = fillKubeFedConfigDefaults(object.spec);
  if (!filled || canonicalJson(filled) === canonicalJson(object.spec ?? null)) return undefined;
  // `add` replaces an existing member and creates a missing one, so it fits an object without a spec too.
  return [{ op: 'add', path: '/spec', value: filled }];
}
