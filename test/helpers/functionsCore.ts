import { createFunctionsCore } from '../../dev/host/functionsCore';

// jest maps `@azure/functions-core` (normally supplied by the Functions worker) to this module,
// so `app.http(...)` in a test registers with the local host's recorder instead of test mode.
// Every test file gets its own module registry, so its own recorder.
const core = createFunctionsCore();

export const recorded = core;
export const { registerFunction, setProgrammingModel, getProgrammingModel, registerHook } = core.api;
