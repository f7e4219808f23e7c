/** The self-signed certificate helper the transports' TLS tests use. */
export * from '../../transports/test/cert.js';
