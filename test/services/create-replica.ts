// One Dealbot replica for `create-takeover.redis.test.ts`: its own process and Redis
// connection, the real create use case (`DealService.quickCreate`, its lease and completion
// record) over the embedded CRM on that Redis. Prints "ready", waits for "go" on stdin, then
// creates. The test decides where it stops: `hang` wraps the CRM it is given (test code, no
// production flag) so that it says "writing" and waits forever before the CRM write, or
// writes, says "wrote <id>" and waits forever before the completion record. Otherwise it
// prints the answer as one JSON line and exits.

import { createInterface } from 'node:readline';
import { createLocalCrm } from '../../src/crm/local/local-crm.js';
import type { CrmClient } from '../../src/crm/port.js';
import { createDealService } from '../../src/services/deal-service.js';
import { createStore } from '../../src/store/create-store.js';

interface ReplicaTask {
  storeUrl: string;
  storeNamespace: string;
  leaseMs: number;
  hang: 'before-crm-write' | 'after-crm-write' | null;
  line: string;
  onceKey: string;
  crmUserId: string;
}

const task = JSON.parse(process.argv[2] ?? '') as ReplicaTask;
const store = await createStore(task.storeUrl, { namespace: task.storeNamespace });
const local = createLocalCrm({ store });
const forever = () => new Promise<never>(() => undefined);
const crm: CrmClient = !task.hang
  ? local
  : ({
      ...local,
      capabilities: local.capabilities,
      async createDeal(input, options) {
        if (task.hang === 'before-crm-write') {
          process.stdout.write('writing\n');
          return forever();
        }
        const deal = await local.createDeal(input, options);
        process.stdout.write(`wrote ${deal.id}\n`);
        return forever();
      },
    } as CrmClient);
const deals = createDealService(crm, store, { createLeaseMs: task.leaseMs });

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

const { deal, duplicate } = await deals.quickCreate(task.line, task.onceKey, {
  actor: { crmUserId: task.crmUserId, name: 'Ada Lovelace' },
});
process.stdout.write(`${JSON.stringify({ answer: { id: deal.id, title: deal.title, ownerId: deal.ownerId, duplicate } })}\n`);
await store.close();
