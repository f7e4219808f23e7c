/**
 * `@wiremachine/core/testing`: fast-check arbitraries and laws for testing
 * protocols: chunk invariance, executor agreement, round trip, typed
 * rejection and differential comparison. Needs `fast-check` (a peer dependency).
 *
 * @packageDocumentation
 */
export { type Chunked, chunked, chunkings, cut, mutated, oneByteChunks } from './arbitraries.js';
export type { CodeCoverage, FileCodeCoverage } from './code-coverage.js';
export {
  type CoveredTransition,
  declaredTransitions,
  type TransitionCoverage,
  transitionCoverage,
} from './coverage.js';
export { machineTokens } from './dictionary.js';
export { difference, equivalent } from './equal.js';
export { type FuzzCrash, type FuzzOptions, type FuzzReport, fuzz } from './fuzz.js';
export {
  type CheckLawOptions,
  checkLaw,
  chunkInvariance,
  differential,
  executorsAgree,
  type LawOptions,
  type ReferenceResult,
  roundTrip,
  typedRejection,
} from './laws.js';
export {
  eofStep,
  type ModelInput,
  type ModelOptions,
  type ModelState,
  type ModelStep,
  modelInputs,
  readStep,
} from './model.js';
export { canonical, type Outcome, type RunOptions, runChunks } from './outcome.js';
