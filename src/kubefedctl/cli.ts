// The kubefedctl command line (commander): global flags, one subcommand per KubeFed command, and `run`,
// which executes one invocation in-process and returns its exit code (main.ts and the tests call it).
import { Argument, Command, CommanderError, Option } from 'commander';
import { DEFAULT_KUBEFED_NAMESPACE, TYPES_GROUP, TYPES_VERSION } from '../api/index.js';
import { Clients } from './client.js';
import { discoverResources, resolveResource } from './discovery.js';
import { disable } from './disable.js';
import { applyFederatedType, fetchTemplateSchema, generateFederatedType } from './enable.js';
import { CliError } from './errors.js';
import { federate } from './federate-command.js';
import { join } from './join.js';
import { joinPull } from './join-pull.js';
import { KubeconfigSource } from './kubeconfig.js';
import { orphaningDeletion, type OrphaningAction } from './orphaning.js';
import { toYaml, type Io } from './output.js';
import { unjoin } from './unjoin.js';
import { versionLine } from './version.js';

interface GlobalOptions {
  kubeconfig?: string;
  hostClusterContext?: string;
  kubefedNamespace: string;
}

/** What an action needs: the parsed global flags, the kubeconfig, and clients for its contexts. */
interface Session {
  globals: GlobalOptions;
  kubeconfig: KubeconfigSource;
  clients: Clients;
  io: Io;
}

type Action = (session: Session, ...args: unknown[]) => Promise<number>;

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`"${value}" is not a positive number of seconds`);
  return n * 1000;
};

const replicas = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new CliError(`--agent-replicas "${value}" is not a whole number from 1 to 10`);
  return n;
};

function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('kubefedctl')
    .description(
      'kubefedctl controls a kubefed-ts (KubeFed-compatible) federation: join and unjoin member clusters, ' +
        'enable and disable federated types, and federate existing resources.',
    )
    .option('--kubeconfig <path>', 'kubeconfig to read contexts from (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--host-cluster-context <context>', 'context of the host cluster (default: the current context)')
    .option('--kubefed-namespace <namespace>', 'namespace of the federation control plane', DEFAULT_KUBEFED_NAMESPACE)
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  // Wraps an action: builds the session, runs it, always closes the clients, records the exit code.
  const act =
    (fn: Action) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
      const kubeconfig = KubeconfigSource.load(globals.kubeconfig);
      const clients = new Clients(kubeconfig);
      try {
        setExit(await fn({ globals, kubeconfig, clients, io }, ...args.slice(0, -1)));
      } finally {
        await clients.close();
      }
    };
  const hostClient = (s: Session) => s.clients.for(s.kubeconfig.resolveContext(s.globals.hostClusterContext, '--host-cluster-context'));
  const defaultNamespace = (s: Session): string => {
    const context = s.kubeconfig.resolveContext(s.globals.hostClusterContext, '--host-cluster-context');
    return s.kubeconfig.namespaceOf(context) ?? 'default';
  };

  program
    .command('join')
    .summary('join a member cluster to the federation')
    .description(
      'Register a member cluster with the host. Push mode (the default, as KubeFed): a ServiceAccount with full access (all verbs on all resources) and a long-lived token in the member; the token Secret and a KubeFedCluster in the host. ' +
        'Pull mode: the cluster\'s own host namespace kubefed-cluster-<name> with a ServiceAccount and a Role for its agent there only, a long-lived token, and a KubeFedCluster with syncMode Pull; in the member the agent\'s ServiceAccount, its rights and its host kubeconfig. The host then holds no credential for the member. ' +
        'Running it again updates what exists.',
    )
    .argument('<cluster-name>', 'name of the KubeFedCluster to create')
    .option('--cluster-context <context>', 'kubeconfig context of the member cluster (default: the cluster name)')
    .option('--host-cluster-name <name>', 'name of the host used in the member\'s object names (default: the host context, sanitised)')
    .option('--secret-name <name>', 'name of the token Secret in the host (default: generated, <cluster-name>-xxxxx)')
    .option('--error-on-existing', 'fail if the cluster is already joined instead of updating it', false)
    .option('--token-timeout <seconds>', 'how long to wait for the member to issue the token', '30')
    .option('--dry-run', 'print the objects that would be created or updated, change nothing', false)
    .addOption(new Option('--mode <mode>', 'push: the host writes to the member; pull: an agent in the member pulls its work').choices(['push', 'pull']).default('push'))
    .option('--agent-kubeconfig-out <file>', 'pull mode: also write the agent\'s host kubeconfig to this file (mode 0600)')
    .option('--install-agent', 'pull mode: also create the agent\'s Deployment in the member (without it, join prints the helm install line of charts/kubefed-ts-agent)', false)
    .option('--agent-image <image>', 'pull mode: the agent\'s image (default: the chart\'s, ghcr.io/kubefed-ts/controller-manager:<version>)')
    .option('--agent-replicas <count>', 'pull mode: agent replicas, leader-elected', '1')
    .option('--host-api-endpoint <url>', 'pull mode: the host API server as the agent reaches it (default: the host context\'s server)')
    .option(
      '--controller-manager-service-account <namespace/name>',
      'pull mode: the controller-manager\'s ServiceAccount on the host, given a Role in the cluster\'s namespace (default: <kubefed-namespace>/kubefed-ts-controller-manager, the chart\'s)',
    )
    .action(
      act(async (s, clusterName, opts) => {
        const o = opts as Record<string, string | boolean | undefined>;
        if (o.mode === 'pull') {
          if (o.secretName !== undefined || o.hostClusterName !== undefined) {
            throw new CliError('--secret-name and --host-cluster-name name push-mode objects; a pull-mode join has neither');
          }
          return joinPull(
            {
              clusterName: clusterName as string,
              clusterContext: o.clusterContext as string | undefined,
              hostContext: s.globals.hostClusterContext,
              namespace: s.globals.kubefedNamespace,
              hostApiEndpoint: o.hostApiEndpoint as string | undefined,
              agentKubeconfigOut: o.agentKubeconfigOut as string | undefined,
              controllerManagerServiceAccount: o.controllerManagerServiceAccount as string | undefined,
              installAgent: o.installAgent === true,
              agentImage: o.agentImage as string | undefined,
              agentReplicas: replicas(String(o.agentReplicas)),
              dryRun: o.dryRun === true,
              errorOnExisting: o.errorOnExisting === true,
              tokenTimeoutMs: seconds(String(o.tokenTimeout)),
            },
            s.kubeconfig,
            s.clients,
            s.io,
          );
        }
        if (o.agentKubeconfigOut !== undefined || o.hostApiEndpoint !== undefined || o.controllerManagerServiceAccount !== undefined) {
          throw new CliError('--agent-kubeconfig-out, --host-api-endpoint and --controller-manager-service-account are for --mode pull');
        }
        if (o.installAgent === true || o.agentImage !== undefined || o.agentReplicas !== '1') {
          throw new CliError('--install-agent, --agent-image and --agent-replicas are for --mode pull: a push member runs no agent');
        }
        return join(
          {
            clusterName: clusterName as string,
            clusterContext: o.clusterContext as string | undefined,
            hostContext: s.globals.hostClusterContext,
            hostClusterName: o.hostClusterName as string | undefined,
            namespace: s.globals.kubefedNamespace,
            secretName: o.secretName as string | undefined,
            dryRun: o.dryRun === true,
            errorOnExisting: o.errorOnExisting === true,
            tokenTimeoutMs: seconds(String(o.tokenTimeout)),
          },
          s.kubeconfig,
          s.clients,
          s.io,
        );
      }),
    );

  program
    .command('unjoin')
    .summary('remove a member cluster from the federation')
    .description('Remove a member cluster: its KubeFedCluster and token Secret in the host, then the ServiceAccount, token and roles join made in the member. An unreachable member does not stop the host side; what is left in it is listed.')
    .argument('<cluster-name>', 'name of the KubeFedCluster')
    .option('--cluster-context <context>', 'kubeconfig context of the member cluster (default: the cluster name)')
    .option('--host-cluster-name <name>', 'the --host-cluster-name given to join, if any')
    .option('--force', 'exit 0 even if objects are left in the member (also when its context is unknown)', false)
    .action(
      act(async (s, clusterName, opts) => {
        const o = opts as Record<string, string | boolean | undefined>;
        return unjoin(
          {
            clusterName: clusterName as string,
            clusterContext: o.clusterContext as string | undefined,
            hostContext: s.globals.hostClusterContext,
            hostClusterName: o.hostClusterName as string | undefined,
            namespace: s.globals.kubefedNamespace,
            force: o.force === true,
          },
          s.kubeconfig,
          s.clients,
          s.io,
        );
      }),
    );

  program
    .command('enable')
    .summary('enable federation of a Kubernetes type')
    .description('Enable federation of a type: create the Federated<Kind> CRD (its spec.template schema taken from the type\'s own) and the FederatedTypeConfig in the host.')
    .argument('<type>', 'the type: plural, singular, kind or short name, optionally .group (deployments.apps, configmaps, Deployment, gadgets.example.io)')
    .option('--version <version>', 'version of the target type (default: the preferred version of its group)')
    .option('--federated-group <group>', 'API group of the federated type', TYPES_GROUP)
    .option('--federated-version <version>', 'API version of the federated type', TYPES_VERSION)
    .addOption(new Option('-o, --output <format>', 'print the objects instead of applying them').choices(['yaml']))
    .action(
      act(async (s, typeName, opts) => {
        const o = opts as Record<string, string | undefined>;
        const host = await hostClient(s);
        const target = resolveResource(await discoverResources(host), typeName as string, o.version);
        const generated = generateFederatedType(target, await fetchTemplateSchema(host, target, s.io), {
          federatedGroup: o.federatedGroup ?? TYPES_GROUP,
          federatedVersion: o.federatedVersion ?? TYPES_VERSION,
          namespace: s.globals.kubefedNamespace,
        });
        if (o.output === 'yaml') s.io.stdout.write(toYaml([generated.crd, generated.ftc]));
        else await applyFederatedType(host, generated, s.io);
        return 0;
      }),
    );

  program
    .command('disable')
    .summary('disable propagation of a federated type')
    .description('Disable propagation of a federated type (its FederatedTypeConfig\'s propagation becomes Disabled); with --delete-crd also delete the FederatedTypeConfig and the Federated<Kind> CRD.')
    .argument('<type>', 'the FederatedTypeConfig name (deployments.apps) or any name of its target or federated type')
    .option('--delete-crd', 'also delete the FederatedTypeConfig and the federated CRD (refused while fed objects exist)', false)
    .option('--force', 'with --delete-crd: delete even when fed objects exist (their member copies stay in place)', false)
    .option('--wait <seconds>', 'how long to wait for the controller-manager to stop propagating', '10')
    .action(
      act(async (s, typeName, opts) => {
        const o = opts as Record<string, string | boolean | undefined>;
        return disable(
          {
            typeName: typeName as string,
            namespace: s.globals.kubefedNamespace,
            deleteCrd: o.deleteCrd === true,
            force: o.force === true,
            waitMs: seconds(String(o.wait)),
          },
          await hostClient(s),
          s.io,
        );
      }),
    );

  program
    .command('federate')
    .summary('federate an existing resource of the host')
    .description('Federate an existing resource of the host: create its Federated<Kind> with the resource (minus status and server-set metadata) as template, placed in every member cluster.')
    .argument('<type>', 'type of the resource (configmaps, deployment.apps, ns, …)')
    .argument('<name>', 'name of the resource')
    .option('-n, --namespace <namespace>', 'namespace of the resource (default: the host context\'s, else "default")')
    .option('-c, --contents', 'for a namespace: also federate every resource of every federated type in it', false)
    .option('-t, --enable-type', 'enable federation of the type first if needed', false)
    .option('--federated-group <group>', 'with --enable-type: API group of the federated type', TYPES_GROUP)
    .option('--federated-version <version>', 'with --enable-type: API version of the federated type', TYPES_VERSION)
    .addOption(new Option('-o, --output <format>', 'print the objects instead of creating them').choices(['yaml']))
    .action(
      act(async (s, typeName, name, opts) => {
        const o = opts as Record<string, string | boolean | undefined>;
        return federate(
          {
            typeName: typeName as string,
            name: name as string,
            namespace: (o.namespace as string | undefined) ?? defaultNamespace(s),
            kubefedNamespace: s.globals.kubefedNamespace,
            contents: o.contents === true,
            enableType: o.enableType === true,
            output: o.output === 'yaml' ? 'yaml' : undefined,
            federatedGroup: (o.federatedGroup as string | undefined) ?? TYPES_GROUP,
            federatedVersion: (o.federatedVersion as string | undefined) ?? TYPES_VERSION,
          },
          await hostClient(s),
          s.io,
        );
      }),
    );

  program
    .command('orphaning-deletion')
    .summary('manage orphaning deletion of a fed object')
    .description('Enable, disable or show orphaning deletion of a fed object: when enabled (annotation kubefed.io/orphan: "true"), deleting it leaves its member copies in place.')
    .addArgument(new Argument('<action>', 'enable, disable or status').choices(['enable', 'disable', 'status']))
    .argument('<type>', 'target or federated type (configmaps, FederatedConfigMap, …)')
    .argument('<name>', 'name of the fed object')
    .option('-n, --namespace <namespace>', 'namespace of the fed object (default: the host context\'s, else "default")')
    .action(
      act(async (s, action, typeName, name, opts) => {
        const o = opts as Record<string, string | undefined>;
        return orphaningDeletion(
          {
            action: action as OrphaningAction,
            typeName: typeName as string,
            name: name as string,
            namespace: o.namespace ?? defaultNamespace(s),
            kubefedNamespace: s.globals.kubefedNamespace,
          },
          await hostClient(s),
          s.io,
        );
      }),
    );

  program
    .command('version')
    .summary('print the version of kubefedctl')
    .description('Print the version of kubefedctl.')
    .action(() => {
      io.stdout.write(versionLine());
      setExit(0);
    });

  return program;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr };

/**
 * Runs one kubefedctl invocation (`argv` without the program name) and resolves to its exit code:
 * 0 on success, 1 on any error (printed to `io.stderr` as `error: …`), commander's code for usage errors.
 */
export async function run(argv: string[], io: Io = defaultIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`error: ${message}\n`);
    if (!(err instanceof CliError) && process.env.KUBEFEDCTL_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
