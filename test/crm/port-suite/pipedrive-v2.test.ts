// The port suite on the Pipedrive adapter speaking API v2 (the default dialect).

import { createPipedriveHarness } from './pipedrive-harness.js';
import { describePortBehaviour } from './port-behaviour.js';

describePortBehaviour('Pipedrive (API v2)', createPipedriveHarness('v2'));
