/**
 * `@wiremachine/protocols`: wire protocols declared as wiremachine machines.
 * Each protocol also has its own entry point (`@wiremachine/protocols/http1`).
 *
 * @packageDocumentation
 */
export * as http1 from './http1/index.js';
