/** The protocols the command knows by name, and loading a user's own from a module. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { isTypeScript, registerTypeScript } from './typescript.js';
import { UsageError } from './usage.js';

/** A protocol as the command runs it. */
export interface CliProtocol {
  name: string;
  machine: AnyStateMachine;
  /** The machine's input (options such as lenient flags), if it takes one. */
  input?: unknown;
  /** Starting inputs for `wiremachine fuzz`. */
  seeds?: Uint8Array[];
  /** Limit on buffered bytes when fuzzing. */
  maxBufferSize?: number;
  /**
   * Bytes fed before the input and not part of it (a framing the protocol needs
   * first, such as a head before a bare chunked body); offsets exclude them.
   */
  prefix?: Uint8Array;
  /**
   * Turns a run's outputs into what is printed: called with each output,
   * returns the objects to print now (a message once it is complete, say).
   * Default: every output as it is.
   */
  present?: () => (output: unknown) => unknown[];
  /** Reaching the final state hands the connection over (an HTTP upgrade), even with nothing after it. */
  handsOver?: boolean;
}

/** Options that shape a built-in protocol (HTTP's lenient flags, say). */
export interface ProtocolOptions {
  lenient: string[];
  noBody: boolean;
}

type Builtin = (options: ProtocolOptions) => CliProtocol;

/** Built-in protocols, by name. Protocol packages register here. */
export const builtins = new Map<string, Builtin>();

function isMachine(value: unknown): value is AnyStateMachine {
  return typeof value === 'object' && value !== null && 'root' in value && 'config' in value;
}

/**
 * The protocol to run: a built-in by `name`, or from `modulePath` its default
 * export, its `protocol` export or its only exported machine (a machine, or a
 * {@link CliProtocol}). The module may be JavaScript or TypeScript.
 */
export async function loadProtocol(
  name: string | undefined,
  modulePath: string | undefined,
  options: ProtocolOptions,
): Promise<CliProtocol> {
  if (modulePath !== undefined) {
    let mod: Record<string, unknown>;
    // TypeScript is transpiled by esbuild as it loads (types are not checked).
    if (isTypeScript(modulePath)) registerTypeScript();
    try {
      mod = await import(pathToFileURL(resolve(modulePath)).href);
    } catch (e) {
      throw new UsageError(`cannot load the protocol module ${modulePath}: ${(e as Error).message}`);
    }
    const machines = Object.values(mod).filter(isMachine);
    // The default export, or the one called `protocol`, or the only machine the module exports.
    const found = mod.default ?? mod.protocol ?? (machines.length === 1 ? machines[0] : undefined);
    if (isMachine(found)) return { name: modulePath, machine: found };
    if (typeof found === 'object' && found !== null && isMachine((found as CliProtocol).machine)) {
      return { name: modulePath, ...(found as Omit<CliProtocol, 'name'>) };
    }
    throw new UsageError(
      machines.length > 1
        ? `${modulePath} exports several machines: export the one to run as default (or as 'protocol')`
        : `${modulePath} exports no machine: export one as default (or as 'protocol')`,
    );
  }
  if (name === undefined) throw new UsageError('name a protocol, or give --protocol-module FILE');
  const make = builtins.get(name);
  if (make === undefined) {
    const known = [...builtins.keys()];
    throw new UsageError(
      `unknown protocol "${name}"${known.length > 0 ? `; built-in protocols: ${known.join(', ')}` : ''}; or give --protocol-module FILE`,
    );
  }
  return make(options);
}
