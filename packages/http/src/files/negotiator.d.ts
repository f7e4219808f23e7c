// negotiator 1.x takes a `preferred` order for encodings, which @types/negotiator (0.6) does not know.
declare module 'negotiator' {
  class Negotiator {
    constructor(request: { headers: Record<string, string | undefined> });
    encodings(available?: string[], options?: { preferred?: string[] }): string[];
  }
  export default Negotiator;
}
