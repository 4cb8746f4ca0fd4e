// A separate process for `create-store.test.ts`: opens the store named on the command line
// and prints one JSON line saying whether it opened or what it was refused with. Run as a
// user the file's permissions apply to (tests run as root, where they stop nothing).

import { createStore } from '../../src/store/create-store.js';

const url = process.argv[2] ?? '';
try {
  const store = await createStore(url);
  await store.close();
  process.stdout.write(`${JSON.stringify({ opened: true })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ opened: false, error: (error as Error).name, message: (error as Error).message })}\n`);
}
