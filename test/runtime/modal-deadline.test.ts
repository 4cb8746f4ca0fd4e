// A modal opened before its CRM call ("Loading…") is always updated with the outcome, even
// when the CRM never answers: the call's deadline ends it, and the modal says the CRM is
// unavailable and to try again. The real app behind Bolt's HTTP receiver and the Slack
// stand-in; the CRM is the Pipedrive adapter pointed at a loopback server that takes every
// connection and never answers, with a short deadline injected instead of waiting 8 s.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { shortcutPayload } from '../../src/console/slack-payloads.js';
import { createPipedriveClient } from '../../src/crm/pipedrive/pipedrive-client.js';
import { CallbackId } from '../../src/ui/ids.js';
import { shown, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness | undefined;
const sockets = new Set<net.Socket>();
let silent: net.Server | undefined;

afterEach(async () => {
  await h?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  h = undefined;
  silent = undefined;
});

describe('a modal opened before a CRM that never answers', () => {
  it('is updated with "unavailable, try again" once the CRM call’s deadline passes, never left on Loading…', async () => {
    silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    h = await startHarness({
      crm: () => createPipedriveClient({ apiToken: 'pd-test-token', baseUrl, companyDomain: 'acme', deadlineMs: 300, maxRetries: 1 }),
    });

    const res = await h.interact(shortcutPayload({ callbackId: CallbackId.newDealShortcut, triggerId: h.standin.triggerId() }));
    expect(res.status).toBe(200);
    const opened = await h.standin.waitForCall('views.open');
    expect(shown(opened.args.view)).toContain('Loading');

    const updated = await h.standin.waitFor((c) => c.method === 'views.update', 5_000);
    expect(updated.args.view_id).toBe((opened.result.view as { id: string }).id);
    expect(shown(updated.args.view)).toMatch(/Pipedrive is unavailable right now/);
    expect(shown(updated.args.view)).toMatch(/try again/);
    expect(shown(updated.args.view)).not.toContain('Loading');
    expect(sockets.size).toBeGreaterThan(0);
  });
});
