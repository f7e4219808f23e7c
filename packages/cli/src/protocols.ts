/** Loading the protocol to run: a built-in by name, or a user's own from a module. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinProtocol, type CliProtocol, type ProtocolOptions, protocolOfModule } from './registry.js';
import { isTypeScript, registerTypeScript } from './typescript.js';
import { UsageError } from './usage.js';

export { builtins, type CliProtocol, type ProtocolOptions } from './registry.js';

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
    return protocolOfModule(mod, modulePath);
  }
  if (name === undefined) throw new UsageError('name a protocol, or give --protocol-module FILE');
  return builtinProtocol(name, options);
}
