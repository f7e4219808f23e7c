/**
 * The protocols the command knows by name, and picking the machine out of a
 * protocol module: no Node APIs, so the inspector's page runs it too.
 */
import type { AnyStateMachine } from 'xstate';
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
  /** The lenient flags the protocol accepts (`--lenient`), for the inspector to offer. */
  lenientFlags?: readonly string[];
}

/** Options that shape a built-in protocol (HTTP's lenient flags, say). */
export interface ProtocolOptions {
  lenient: string[];
  noBody: boolean;
}

type Builtin = (options: ProtocolOptions) => CliProtocol;

/** Built-in protocols, by name. Protocol packages register here. */
export const builtins = new Map<string, Builtin>();

export function isMachine(value: unknown): value is AnyStateMachine {
  return typeof value === 'object' && value !== null && 'root' in value && 'config' in value;
}

/**
 * The protocol a module exports: its default export, its `protocol` export or
 * its only exported machine (a machine, or a {@link CliProtocol}).
 */
export function protocolOfModule(mod: Record<string, unknown>, name: string): CliProtocol {
  const machines = Object.values(mod).filter(isMachine);
  // The default export, or the one called `protocol`, or the only machine the module exports.
  const found = mod.default ?? mod.protocol ?? (machines.length === 1 ? machines[0] : undefined);
  if (isMachine(found)) return { name, machine: found };
  if (typeof found === 'object' && found !== null && isMachine((found as CliProtocol).machine)) {
    return { name, ...(found as Omit<CliProtocol, 'name'>) };
  }
  throw new UsageError(
    machines.length > 1
      ? `${name} exports several machines: export the one to run as default (or as 'protocol')`
      : `${name} exports no machine: export one as default (or as 'protocol')`,
  );
}

/** A built-in protocol made with `options`, or a usage error naming the known ones. */
export function builtinProtocol(name: string, options: ProtocolOptions): CliProtocol {
  const make = builtins.get(name);
  if (make === undefined) {
    const known = [...builtins.keys()];
    throw new UsageError(
      `unknown protocol "${name}"${known.length > 0 ? `; built-in protocols: ${known.join(', ')}` : ''}; or give --protocol-module FILE`,
    );
  }
  return make(options);
}
