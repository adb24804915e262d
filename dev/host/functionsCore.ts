// Stands in for `@azure/functions-core`, the module the Azure Functions Node worker normally
// supplies. `@azure/functions` hands every `app.http(...)` registration to it; we record them.

export interface HttpTriggerBinding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, HttpTriggerBinding & Record<string, unknown>>;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  name: string;
  trigger: HttpTriggerBinding;
  handler: FunctionCallback;
}

export interface FunctionsCore {
  /** The object returned for `require('@azure/functions-core')`. */
  api: {
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): { dispose(): void };
    setProgrammingModel(model: unknown): void;
    getProgrammingModel(): unknown;
    registerHook(hookName: string, callback: unknown): { dispose(): void };
  };
  functions: RegisteredFunction[];
  /** Triggers this host cannot serve (anything but HTTP), so start-up can say so. */
  skipped: string[];
}

export function createFunctionsCore(): FunctionsCore {
  const functions: RegisteredFunction[] = [];
  const skipped: string[] = [];
  let programmingModel: unknown;
  const noop = { dispose() {} };
  return {
    functions,
    skipped,
    api: {
      registerFunction(metadata, callback) {
        const trigger = Object.values(metadata.bindings).find((binding) => binding.direction === 'in' && /trigger$/i.test(binding.type));
        if (!trigger || trigger.type.toLowerCase() !== 'httptrigger') {
          skipped.push(metadata.name);
          return noop;
        }
        if (functions.some((fn) => fn.name.toLowerCase() === metadata.name.toLowerCase())) {
          throw new Error(`A function named "${metadata.name}" is already registered.`);
        }
        const registered = { name: metadata.name, trigger, handler: callback };
        functions.push(registered);
        return { dispose: () => void functions.splice(functions.indexOf(registered), 1) };
      },
      setProgrammingModel(model) {
        programmingModel = model;
      },
      getProgrammingModel() {
        return programmingModel;
      },
      registerHook() {
        return noop;
      },
    },
  };
}
