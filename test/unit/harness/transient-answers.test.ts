// The malformed-corpus test's retry of transient API server answers: it retries throttling, timeouts and lost
// connections, and records every real answer (a refusal) at once, so that a wrong refusal still fails it.
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createRetryingTransient, transientAnswer } from '../../harness/transient-answers.js';

const status = (code: number, reason: string, message: string): ApiException<string> =>
  new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message }), {});
const fetchError = (code: string, reason: string): Error =>
  Object.assign(new Error(`request to https://127.0.0.1:6443/apis/types.kubefed.io/v1beta1 failed, reason: ${reason}`), { name: 'FetchError', type: 'system', code });

describe('transientAnswer', () => {
  it.each([
    ['429 throttled', status(429, 'TooManyRequests', 'too many requests, please try again later'), '429 Too Many Requests'],
    ['503 not ready', status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'), '503 Service Unavailable'],
    ['504 timeout', status(504, 'Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'), '504 Gateway Timeout'],
    ['500 etcd timeout', status(500, 'InternalError', 'etcdserver: request timed out'), '500 etcdserver: request timed out'],
    ['500 apiserver timeout', status(500, 'Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request (post federatedconfigmaps.types.kubefed.io)'), '500 unable to return a response in the time allotted'],
    ['connection reset', fetchError('ECONNRESET', 'read ECONNRESET'), 'no answer (ECONNRESET)'],
    ['socket hang up', fetchError('ECONNRESET', 'socket hang up'), 'no answer (ECONNRESET)'],
    ['a hang-up without an errno', new Error('socket hang up'), 'no answer (connection closed)'],
  ])('retries %s', (_name, err, why) => {
    expect(transientAnswer(err)).toBe(why);
  });

  it.each([
    ['422 schema refusal', status(422, 'Invalid', 'FederatedConfigMap.types.kubefed.io "x" is invalid: spec.placement.clusters[0].name: Required value')],
    ['400 bad request', status(400, 'BadRequest', 'the object provided is unrecognized')],
    ['403 forbidden', status(403, 'Forbidden', 'federatedconfigmaps is forbidden')],
    ['404 unknown kind', status(404, 'NotFound', 'the server could not find the requested resource')],
    ['409 already exists', status(409, 'AlreadyExists', 'federatedconfigmaps.types.kubefed.io "x" already exists')],
    ['413 too large', status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')],
    ['500 etcd size limit', status(500, 'InternalError', 'rpc error: code = ResourceExhausted desc = trying to send message larger than max')],
    ['another transport error', fetchError('CERT_HAS_EXPIRED', 'certificate has expired')],
    ['a plain error', new Error('boom')],
  ])('records %s at once', (_name, err) => {
    expect(transientAnswer(err)).toBeUndefined();
  });
});

describe('createRetryingTransient', () => {
  /** A create that fails with `errors` in turn, then succeeds; counts its calls. */
  const scripted = (...errors: unknown[]) => {
    const calls = { n: 0 };
    const create = async (): Promise<void> => {
      const err = errors[calls.n++];
      if (err) throw err;
    };
    return { create, calls };
  };
  const noDelays = { delaysMs: [0, 0, 0] };

  it('retries transient answers until the create goes through', async () => {
    const { create, calls } = scripted(status(429, 'TooManyRequests', 'slow down'), fetchError('ECONNRESET', 'read ECONNRESET'));
    const retried: string[] = [];
    await createRetryingTransient(create, { ...noDelays, onRetry: (why) => retried.push(why) });
    expect(calls.n).toBe(3);
    expect(retried).toEqual(['429 Too Many Requests', 'no answer (ECONNRESET)']);
  });

  it('throws a real refusal at once, without another try', async () => {
    const refusal = status(422, 'Invalid', 'spec.retainReplicas: Invalid value: "string": must be of type boolean');
    const { create, calls } = scripted(refusal);
    await expect(createRetryingTransient(create, noDelays)).rejects.toBe(refusal);
    expect(calls.n).toBe(1);
  });

  it('throws a refusal that follows a transient answer', async () => {
    const refusal = status(422, 'Invalid', 'metadata.name: Invalid value');
    const { create, calls } = scripted(status(503, 'ServiceUnavailable', 'unavailable'), refusal);
    await expect(createRetryingTransient(create, noDelays)).rejects.toBe(refusal);
    expect(calls.n).toBe(2);
  });

  it('takes AlreadyExists after a lost answer as created by the earlier attempt, but not on the first try', async () => {
    const exists = status(409, 'AlreadyExists', 'already exists');
    await createRetryingTransient(scripted(status(504, 'Timeout', 'the server was unable to return a response in the time allotted'), exists).create, noDelays);
    await expect(createRetryingTransient(scripted(exists).create, noDelays)).rejects.toBe(exists);
  });

  it('gives up after the last delay with the transient answer itself', async () => {
    const busy = status(429, 'TooManyRequests', 'slow down');
    const { create, calls } = scripted(busy, busy, busy, busy, busy);
    await expect(createRetryingTransient(create, noDelays)).rejects.toBe(busy);
    expect(calls.n).toBe(4);
  });
});
