// The manager's version, reported by --version and at start-up.
export const VERSION = '0.1.0';
