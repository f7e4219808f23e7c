/**
 * wiremachine core: incremental wire-protocol parsers declared as xstate
 * machines. Byte buffer, read requests, the iterative driver, the two
 * executors, the stream API and typed errors.
 *
 * @packageDocumentation
 */
export { ByteQueue, OFFSET_ZERO } from './byte-queue.js';
export { concatBytes, latin1 } from './bytes.js';
export type { FieldLayout, FieldRun, FieldType, FieldValues } from './decode.js';
export { decode, fieldRun, fields } from './decode.js';
export type { DriverOptions, DriverStatus, DriverStep } from './driver.js';
export { createDriver, DEFAULT_MAX_BUFFER_SIZE, Driver } from './driver.js';
export type { ErrorPosition } from './errors.js';
export {
  BufferOverflowError,
  ERROR_ID,
  ErrorCode,
  InvalidMachineError,
  isWiremachineError,
  MaxBytesError,
  ProtocolError,
  ProtocolFault,
  StreamClosedError,
  WiremachineError,
} from './errors.js';
export type { ActionArgs, Program } from './machine/compile.js';
export { compile } from './machine/compile.js';
export { type DotOptions, describeRead, diagramTransitions, toDot, toMermaid } from './machine/diagram.js';
export type { ExecutorKind } from './machine/executor.js';
export { source } from './machine/generate.js';
export type { ReadSpec, TransitionDef } from './machine/nodes.js';
export { validateMachine } from './machine/validate.js';
export type { MemoryPairOptions } from './memory.js';
export { memoryPair } from './memory.js';
export type { ParseAllOptions, ParseAllResult, ParseOptions, ParseResult } from './parse.js';
export { parse, parseAll } from './parse.js';
export type { ProtocolTypes, ReadMeta } from './protocol.js';
export { emitIf, fail, NO_OUTPUT, protocolTypes, readAction, readGuard, reject } from './protocol.js';
export type {
  BytesRead,
  ChunkEvent,
  EofEvent,
  IntoCopy,
  IntoRead,
  LengthPrefixedRead,
  ReadDoneEvent,
  ReadEvent,
  ReadMap,
  ReadRequest,
  RegexRead,
  StreamBytesRead,
  StreamDoneEvent,
  StreamUntilCloseRead,
  UntilCloseRead,
  UntilMeasure,
  UntilOptions,
  UntilRead,
  UntilValidate,
} from './reads.js';
export {
  bytes,
  DEFAULT_REGEX_MAX_BYTES,
  into,
  isStreaming,
  lengthPrefixed,
  regex,
  streamBytes,
  streamUntilClose,
  until,
  untilClose,
} from './reads.js';
export type { ByteStreamOptions } from './stream.js';
export { ByteStream } from './stream.js';
export type { Transport, TransportSink } from './transport.js';
export { nextTurn } from './turn.js';
