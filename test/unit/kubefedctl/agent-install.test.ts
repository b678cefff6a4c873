// The agent Deployment `kubefedctl join --mode pull --install-agent` creates and the `helm install` line it
// prints otherwise: image references split as the chart's values take them, only non-default values printed,
// and a line a shell reads back word for word. (The integration test renders the chart with that line.)
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { agentDeployment, helmInstallArgs, shellLine, splitImage, type AgentInstallInput } from '../../../src/kubefedctl/agent-install.js';

const input: AgentInstallInput = {
  clusterName: 'edge-1',
  namespace: 'kube-federation-system',
  serviceAccount: 'kubefed-agent',
  hostKubeconfigSecret: 'kubefed-agent-host',
  hostKubeconfigKey: 'kubeconfig',
  image: undefined,
  replicas: 1,
  version: '0.1.0',
};
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('splitImage', () => {
  it.each([
    ['ghcr.io/kubefed-ts/controller-manager:0.2.0', { repository: 'ghcr.io/kubefed-ts/controller-manager', tag: '0.2.0' }],
    ['registry.local:5000/agent', { repository: 'registry.local:5000/agent' }],
    ['registry.local:5000/agent:v1', { repository: 'registry.local:5000/agent', tag: 'v1' }],
    [`ghcr.io/a/b@${DIGEST}`, { repository: 'ghcr.io/a/b', digest: DIGEST }],
    [`ghcr.io/a/b:1.0@${DIGEST}`, { repository: 'ghcr.io/a/b', tag: '1.0', digest: DIGEST }],
  ])('%s', (ref, want) => {
    expect(splitImage(ref)).toEqual(want);
  });

  it.each(['', 'has space:1', 'UPPER/case:1', 'a/b:', 'a/b@sha256:short', 'a/b:tag with space'])('rejects %j with a message naming the flag', (ref) => {
    expect(() => splitImage(ref)).toThrow(`--agent-image "${ref}" is not an image reference`);
  });
});

describe('agentDeployment', () => {
  it('runs the agent from the controller-manager image with join\'s ServiceAccount and host kubeconfig Secret', () => {
    const body = agentDeployment(input).body as any;
    expect(body.metadata).toMatchObject({ name: 'kubefed-agent', namespace: 'kube-federation-system', labels: { 'kubefed.io/pull-cluster': 'edge-1' } });
    const pod = body.spec.template.spec;
    expect(pod.serviceAccountName).toBe('kubefed-agent');
    expect(pod.containers[0].image).toBe('ghcr.io/kubefed-ts/controller-manager:0.1.0');
    expect(pod.containers[0].command).toEqual(['node', '/app/dist/agent/main.js']);
    expect(pod.containers[0].args).toContain('--cluster-name=edge-1');
    expect(pod.containers[0].args).toContain('--kubefed-namespace=kube-federation-system');
    expect(pod.volumes[1].secret).toEqual({ secretName: 'kubefed-agent-host', defaultMode: 0o440, items: [{ key: 'kubeconfig', path: 'kubeconfig' }] });
    expect(body.spec.replicas).toBe(1);
  });

  it('takes the image and the replicas given', () => {
    const pod = (agentDeployment({ ...input, image: `r.io/a@${DIGEST}`, replicas: 2 }).body as any).spec;
    expect(pod.replicas).toBe(2);
    expect(pod.template.spec.containers[0].image).toBe(`r.io/a@${DIGEST}`);
    expect((agentDeployment({ ...input, image: 'r.io/a' }).body as any).spec.template.spec.containers[0].image).toBe('r.io/a:0.1.0');
  });
});

describe('helmInstallArgs', () => {
  it('turns the chart\'s ServiceAccount and RBAC off and names join\'s', () => {
    expect(helmInstallArgs({ ...input, context: 'edge-1' })).toEqual([
      'helm', 'install', 'kubefed-ts-agent', 'charts/kubefed-ts-agent',
      '--kube-context', 'edge-1', '--namespace', 'kube-federation-system',
      '--set-string', 'clusterName=edge-1',
      '--set', 'serviceAccount.create=false',
      '--set-string', 'serviceAccount.name=kubefed-agent',
      '--set', 'rbac.create=false',
      '--set-string', 'hostKubeconfig.secretName=kubefed-agent-host',
    ]);
  });

  it.each([
    ['r.io/a:7', 2, ['--set-string', 'image.repository=r.io/a', '--set-string', 'image.tag=7', '--set', 'replicaCount=2']],
    [`r.io/a:7@${DIGEST}`, 1, ['--set-string', 'image.repository=r.io/a', '--set-string', `image.digest=${DIGEST}`]],
    ['r.io/a', 1, ['--set-string', 'image.repository=r.io/a']],
  ] as const)('image %s, %d replicas', (image, replicas, tail) => {
    const args = helmInstallArgs({ ...input, image, replicas, context: 'c' });
    expect(args.slice(args.indexOf('hostKubeconfig.secretName=kubefed-agent-host') + 1)).toEqual(tail);
  });
});

describe('shellLine', () => {
  it('quotes only what a shell would split or expand, and reads back word for word', () => {
    const words = ['helm', '--kube-context', "it's my context", 'a=b', '$HOME', 'x;y', 'plain-1.0/ok:yes'];
    const line = shellLine(words);
    expect(line).toBe(`helm --kube-context 'it'\\''s my context' a=b '$HOME' 'x;y' plain-1.0/ok:yes`);
    const echoed = execFileSync('bash', ['-c', `printf '%s\\n' ${line.slice('helm '.length)}`], { encoding: 'utf8' });
    expect(echoed.trimEnd().split('\n')).toEqual(words.slice(1));
  });
});
