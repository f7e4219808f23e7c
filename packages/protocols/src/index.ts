/**
 * `@wirestate/protocols`: wire protocols declared as wirestate machines.
 * Each protocol also has its own entry point (`@wirestate/protocols/http1`).
 *
 * @packageDocumentation
 */
export * as http1 from './http1/index.js';
