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

/** What a preInvocation hook gets, as the Node worker builds it: a hook may replace the callback. */
export interface PreInvocationContext {
  invocationContext: unknown;
  inputs: unknown[];
  functionCallback: FunctionCallback;
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
}

export interface PostInvocationContext {
  invocationContext: unknown;
  inputs: unknown[];
  result: unknown;
  error: unknown;
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
}

export interface InvocationHooks {
  preInvocation: ((context: PreInvocationContext) => unknown)[];
  postInvocation: ((context: PostInvocationContext) => unknown)[];
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
  /** Invocation hooks registered through the core API (the App Insights SDK binds each invocation's trace context with one). */
  hooks: InvocationHooks;
  /** Triggers this host cannot serve (anything but HTTP), so start-up can say so. */
  skipped: string[];
}

export function createFunctionsCore(): FunctionsCore {
  const functions: RegisteredFunction[] = [];
  const skipped: string[] = [];
  let programmingModel: unknown;
  const noop = { dispose() {} };
  const hooks: InvocationHooks = { preInvocation: [], postInvocation: [] };
  return {
    functions,
    hooks,
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
      registerHook(hookName, callback) {
        // Only the invocation hooks mean something to an HTTP host; app start/terminate hooks are not run.
        if (hookName !== 'preInvocation' && hookName !== 'postInvocation') return noop;
        const list = hooks[hookName] as unknown[];
        list.push(callback);
        return { dispose: () => void (list.includes(callback) && list.splice(list.indexOf(callback), 1)) };
      },
    },
  };
}
