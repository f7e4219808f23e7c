/**
 * Registers the built-in protocols. Each protocol package adds its entries
 * here as it ships (HTTP/1, the BitTorrent UDP tracker).
 */
export {};
