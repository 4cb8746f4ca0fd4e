// A second process for `local-crm-processes.test.ts`: opens its own connection to a shared
// store and applies `count` changes to one deal, alternately moving it between its own two
// stages and setting a value no other change uses, so every change is a real change and
// must land in the history. Prints "ready", waits for "go" on stdin so both writers
// overlap, and exits 0 when done.

import { createInterface } from 'node:readline';
import { createLocalCrm } from '../../../src/crm/local/local-crm.js';
import { createStore } from '../../../src/store/create-store.js';

interface WriterTask {
  storeUrl: string;
  storeNamespace: string;
  dealId: string;
  writer: string;
  /** Distinguishes this writer's values from the other's. */
  valueBase: number;
  count: number;
  stageIds: [string, string];
}

const task = JSON.parse(process.argv[2] ?? '') as WriterTask;
const store = await createStore(task.storeUrl, { namespace: task.storeNamespace });
const crm = createLocalCrm({ store });

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

for (let i = 0; i < task.count; i += 1) {
  const as = { actor: { name: `${task.writer}#${i}` } };
  if (i % 2 === 0) await crm.moveDeal(task.dealId, task.stageIds[(i / 2) % 2]!, as);
  else await crm.updateDeal(task.dealId, { value: { amount: task.valueBase + i, currency: 'EUR' } }, as);
}
await store.close();
