import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

export const ADMIN_TOKEN = 'release-bot-test-admin-token';
export const RESTRICTED_TOKEN = 'release-bot-test-restricted-token';

/** Builds (or finds cached) kube-apiserver and etcd; fails with build.sh's one-line reason. */
export async function kubeBinaries(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('bash', [join(here, 'build.sh')], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 45 * 60_000,
    });
    return stdout.trim().split('\n').at(-1) ?? '';
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const reason = stderr.trim().split('\n').at(-1) ?? String(error);
    throw new Error(`test cluster unavailable: ${reason}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  process?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process && process.exitCode !== null)
      throw new Error(`${what}: process exited with ${process.exitCode}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

export interface ApiServer {
  url: string;
  kubeconfigPath: string;
}

export interface TestCluster {
  /** The API server with Istio and Gateway API CRDs. */
  main: ApiServer;
  /** A second API server on the same etcd, with no CRDs: a cluster without Istio. */
  bare: ApiServer;
  /** etcd's client URL (its v3 JSON gateway compacts history: watches from before then get 410 Gone). */
  etcdUrl: string;
  stop(): Promise<void>;
}

function kubeconfigYaml(url: string): string {
  const cluster = { name: 'test', cluster: { server: url, 'insecure-skip-tls-verify': true } };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [cluster],
    users: [
      { name: 'admin', user: { token: ADMIN_TOKEN } },
      { name: 'restricted', user: { token: RESTRICTED_TOKEN } },
    ],
    contexts: [
      { name: 'admin', context: { cluster: 'test', user: 'admin' } },
      { name: 'restricted', context: { cluster: 'test', user: 'restricted' } },
    ],
    'current-context': 'admin',
  });
}

/** The serving certificate is self-signed, so the probe skips verification (as the kubeconfig does). */
function isReady(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      `${url}/readyz`,
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** A raw admin call: CRDs go in as JSON untouched, since the typed client drops `x-kubernetes-*` fields. */
function adminRequest(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      `${url}${path}`,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function createCrds(url: string): Promise<void> {
  const names: string[] = [];
  for (const file of ['istio-v1.30.3.yaml', 'gateway-api-v1.4.1-standard.yaml']) {
    const docs = parseAllDocuments(readFileSync(join(repoRoot, 'test/fixtures/crds', file), 'utf8')).map(
      (doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null,
    );
    for (const crd of docs.filter((d) => d?.kind === 'CustomResourceDefinition')) {
      const created = await adminRequest(
        url,
        'POST',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        crd,
      );
      if (created.status !== 201)
        throw new Error(`creating CRD ${crd?.metadata?.name}: ${JSON.stringify(created.json)}`);
      names.push(crd?.metadata?.name ?? '');
    }
  }
  await waitUntil(
    'CRDs Established',
    async () => {
      for (const name of names) {
        const { json } = await adminRequest(
          url,
          'GET',
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        );
        const conditions = (json as { status?: { conditions?: { type: string; status: string }[] } }).status
          ?.conditions;
        if (!conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
      }
      return true;
    },
    30_000,
  );
}

export async function startTestCluster(): Promise<TestCluster> {
  const binDir = await kubeBinaries();
  const work = mkdtempSync(join(tmpdir(), 'release-bot-kube-'));
  const children: ChildProcess[] = [];
  const logs = join(work, 'logs');
  mkdirSync(logs);
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);

  const spawnLogged = (name: string, bin: string, args: string[]) => {
    const child = spawn(join(binDir, bin), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    child.on('exit', () => writeFileSync(join(logs, `${name}.log`), log.join('')));
    children.push(child);
    return child;
  };

  try {
    const [etcdClient, etcdPeer, mainPort, barePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = spawnLogged('etcd', 'etcd', [
      `--data-dir=${join(work, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitUntil('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, etcd);

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saPub = join(work, 'sa.pub');
    const saKey = join(work, 'sa.key');
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const tokens = join(work, 'tokens.csv');
    writeFileSync(
      tokens,
      `${ADMIN_TOKEN},admin,admin,"system:masters"\n${RESTRICTED_TOKEN},restricted,restricted,\n`,
    );

    const startApiServer = async (name: string, port: number, etcdPrefix: string): Promise<ApiServer> => {
      const certDir = join(work, `${name}-certs`);
      const child = spawnLogged(name, 'kube-apiserver', [
        `--etcd-servers=${etcdUrl}`,
        `--etcd-prefix=${etcdPrefix}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${certDir}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-cluster-ip-range=10.0.0.0/16',
        '--disable-admission-plugins=ServiceAccount',
        '--authorization-mode=RBAC',
        `--token-auth-file=${tokens}`,
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        // Deployments are watched straight from etcd, so a compaction (etcdUrl) makes a watch from before it
        // fail with 410 Gone, as it does in production once the watch cache has moved on.
        '--watch-cache-sizes=deployments.apps#0',
        '--v=0',
      ]);
      const url = `https://127.0.0.1:${port}`;
      await waitUntil(`kube-apiserver ${name}`, () => isReady(url), 60_000, child);
      const kubeconfigPath = join(work, `${name}.kubeconfig`);
      writeFileSync(kubeconfigPath, kubeconfigYaml(url));
      return { url, kubeconfigPath };
    };

    const [main, bare] = await Promise.all([
      startApiServer('main', mainPort, '/registry'),
      startApiServer('bare', barePort, '/registry-bare'),
    ]);
    await createCrds(main.url);

    return {
      main,
      bare,
      etcdUrl,
      async stop() {
        killAll();
        await Promise.all(
          children.map((c) =>
            c.exitCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve(),
          ),
        );
        process.removeListener('exit', killAll);
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    killAll();
    process.stderr.write(`test cluster failed to start; component logs are in ${logs}\n`);
    throw error;
  }
}
