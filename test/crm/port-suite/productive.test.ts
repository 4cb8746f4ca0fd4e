// The port suite on the Productive adapter, including a Lost stage that demands a reason.

import { createProductiveHarness } from './productive-harness.js';
import { describePortBehaviour } from './port-behaviour.js';

describePortBehaviour('Productive', createProductiveHarness());
