// The pull agent's Deployment in a member, as `kubefedctl join --mode pull --install-agent` creates it, and the
// `helm install` line of charts/kubefed-ts-agent that runs the same pods instead. Both use what join made in
// the member (the ServiceAccount kubefed-agent, its rights, the Secret kubefed-agent-host), so the chart is
// installed without its own ServiceAccount and RBAC. The pod template here mirrors the chart's
// templates/deployment.yaml; the integration test renders the chart with the printed line and compares them.
import { PULL_CLUSTER_LABEL } from '../api/index.js';
import { CliError } from './errors.js';
import type { PlannedObject } from './join.js';
import { Types } from './resources.js';

/** The Deployment `--install-agent` creates in the KubeFed namespace of the member. */
export const AGENT_DEPLOYMENT = 'kubefed-agent';
/** The release name and chart path the printed `helm install` line uses. */
export const AGENT_CHART_RELEASE = 'kubefed-ts-agent';
export const AGENT_CHART_PATH = 'charts/kubefed-ts-agent';
/** The chart's default image repository: the controller-manager's image, which holds the agent too. */
export const AGENT_IMAGE_REPOSITORY = 'ghcr.io/kubefed-ts/controller-manager';
const AGENT_CHART_NAME = 'kubefed-ts-agent';
const HOST_KUBECONFIG_DIR = '/etc/kubefed-agent/host';
const NON_ROOT = 65532;

export interface AgentInstallInput {
  clusterName: string;
  /** The KubeFed namespace of the member: the agent's ServiceAccount, Secret and leader Lease are there. */
  namespace: string;
  /** The agent's ServiceAccount (join's `kubefed-agent`). */
  serviceAccount: string;
  /** The host kubeconfig Secret and its key (join's `kubefed-agent-host`, `kubeconfig`). */
  hostKubeconfigSecret: string;
  hostKubeconfigKey: string;
  /** An image reference; undefined means the chart's default, `<repository>:<version>`. */
  image: string | undefined;
  replicas: number;
  /** The package's version: the default image tag, as the chart's appVersion. */
  version: string;
}

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** `registry:5000/a/b:tag@sha256:…` split as the chart's image values take it. */
export function splitImage(ref: string): ImageRef {
  const bad = () => new CliError(`--agent-image "${ref}" is not an image reference such as ghcr.io/kubefed-ts/controller-manager:0.1.0`);
  if (!ref || /\s/.test(ref)) throw bad();
  const at = ref.indexOf('@');
  const name = at < 0 ? ref : ref.slice(0, at);
  const digest = at < 0 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/.test(digest)) throw bad();
  // A tag is after the last ':' only when that colon follows the last '/' (else it is a registry's port).
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  if (!repository || !/^[a-z0-9]+(?:[._:/-][a-z0-9]+)*$/.test(repository)) throw bad();
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw bad();
  return { repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** The image the pods run: as the chart's `kubefed-ts-agent.image` helper renders it. */
function imageOf(input: AgentInstallInput): string {
  const { repository, tag, digest } = input.image ? splitImage(input.image) : { repository: AGENT_IMAGE_REPOSITORY, tag: input.version };
  return digest ? `${repository}@${digest}` : `${repository}:${tag ?? input.version}`;
}

/** The agent Deployment, with the pod template the chart renders for the values `helmInstallArgs` prints. */
export function agentDeployment(input: AgentInstallInput): PlannedObject {
  const { namespace } = input;
  const selector = { 'app.kubernetes.io/name': AGENT_CHART_NAME, 'app.kubernetes.io/instance': AGENT_DEPLOYMENT, 'app.kubernetes.io/component': 'agent' };
  const seccompProfile = { type: 'RuntimeDefault' };
  return {
    type: Types.deployment,
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: AGENT_DEPLOYMENT,
        namespace,
        labels: { ...selector, 'app.kubernetes.io/managed-by': 'kubefedctl', 'app.kubernetes.io/part-of': 'kubefed-ts', [PULL_CLUSTER_LABEL]: input.clusterName },
      },
      spec: {
        replicas: input.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // One pod at a time: a standby takes the Lease over well within the host's heartbeat grace period.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: selector },
          spec: {
            serviceAccountName: input.serviceAccount,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: NON_ROOT, runAsGroup: NON_ROOT, fsGroup: NON_ROOT, seccompProfile },
            containers: [
              {
                name: 'agent',
                image: imageOf(input),
                imagePullPolicy: 'IfNotPresent',
                // The controller-manager's image; its entrypoint runs the controller-manager, this the agent.
                command: ['node', '/app/dist/agent/main.js'],
                args: [
                  `--cluster-name=${input.clusterName}`,
                  `--host-kubeconfig=${HOST_KUBECONFIG_DIR}/kubeconfig`,
                  `--kubefed-namespace=${namespace}`,
                  '--health-addr=:8080',
                  '--metrics-addr=:9090',
                  '--leader-elect=true',
                  '--heartbeat-interval=10s',
                  '--log-level=info',
                ],
                env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                ports: [
                  { name: 'health', containerPort: 8080, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
                ],
                livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, initialDelaySeconds: 2, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
                resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1', memory: '384Mi' } },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: NON_ROOT,
                  runAsGroup: NON_ROOT,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile,
                },
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'host-kubeconfig', mountPath: HOST_KUBECONFIG_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              {
                name: 'host-kubeconfig',
                secret: { secretName: input.hostKubeconfigSecret, defaultMode: 0o440, items: [{ key: input.hostKubeconfigKey, path: 'kubeconfig' }] },
              },
            ],
          },
        },
      },
    },
  };
}

/**
 * `helm install` of charts/kubefed-ts-agent into the member with the objects join made: its own ServiceAccount
 * and RBAC off, join's ServiceAccount and Secret named; only values that differ from the chart's defaults
 * otherwise.
 */
export function helmInstallArgs(input: AgentInstallInput & { context: string }): string[] {
  // --set-string for names and images: --set would read a name like 123 or a tag like 1.0 as a number.
  const set = (key: string, value: string | number) => ['--set', `${key}=${value}`];
  const setString = (key: string, value: string) => ['--set-string', `${key}=${value}`];
  const image = input.image ? splitImage(input.image) : undefined;
  return [
    'helm', 'install', AGENT_CHART_RELEASE, AGENT_CHART_PATH,
    '--kube-context', input.context,
    '--namespace', input.namespace,
    ...setString('clusterName', input.clusterName),
    ...set('serviceAccount.create', 'false'),
    ...setString('serviceAccount.name', input.serviceAccount),
    ...set('rbac.create', 'false'),
    ...setString('hostKubeconfig.secretName', input.hostKubeconfigSecret),
    ...(image ? setString('image.repository', image.repository) : []),
    ...(image?.tag !== undefined && !image.digest ? setString('image.tag', image.tag) : []),
    ...(image?.digest ? setString('image.digest', image.digest) : []),
    ...(input.replicas !== 1 ? set('replicaCount', input.replicas) : []),
  ];
}

/** One shell line; words with anything but safe characters are single-quoted. */
export function shellLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
