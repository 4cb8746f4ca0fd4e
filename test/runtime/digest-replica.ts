// One Dealbot replica for `digest-replicas.redis.test.ts`: its own process and Redis
// connection, the real digest runtime (builder over the embedded CRM, Web API client, the
// scheduler with its leases) on its own clock fixed at the slot. Prints "ready" once
// connected and keeps ticking until it is killed.

import { DateTime } from 'luxon';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import { createDigestRuntime } from '../../src/runtime/digest-runtime.js';
import { createLogger } from '../../src/logger.js';
import { createStore } from '../../src/store/create-store.js';

interface ReplicaTask {
  storeUrl: string;
  storeNamespace: string;
  workspace: string;
  slackApiUrl: string;
  /** The replica's clock, fixed: the digests due then are the ones it works on. */
  now: string;
  leaseMs: number;
}

const task = JSON.parse(process.argv[2] ?? '') as ReplicaTask;
const store = await createStore(task.storeUrl, { namespace: task.storeNamespace });
const crm = createLocalCrm({ store });
const now = DateTime.fromISO(task.now, { zone: 'utc' });
const digests = createDigestRuntime({
  store,
  crm,
  logger: createLogger('silent'),
  token: 'xoxb-replica',
  slackApiUrl: task.slackApiUrl,
  workspace: task.workspace,
  now: () => now,
  options: { leaseMs: task.leaseMs, tickIntervalMs: 1_000 },
});
process.stdout.write('ready\n');
// The scheduler's own timers tick it (every second here); its timers are unref'd, so this
// keeps the process alive until the test ends it.
setInterval(() => undefined, 60_000);
await digests.start();
