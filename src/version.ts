// Kept equal to package.json by a test.
export const PACKAGE_NAME = 'otel-session-lifecycle';
export const PACKAGE_VERSION = '0.3.0';
