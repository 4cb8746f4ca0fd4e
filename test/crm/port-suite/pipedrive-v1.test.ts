// The port suite on the Pipedrive adapter speaking only v1 (`PIPEDRIVE_API_VERSION=v1`).

import { createPipedriveHarness } from './pipedrive-harness.js';
import { describePortBehaviour } from './port-behaviour.js';

describePortBehaviour('Pipedrive (API v1)', createPipedriveHarness('v1'));
