/** A test-server failure: a missing tool, a JVM that did not start, a topic that was not created. */
export class LauncherError extends Error {
  override readonly name = 'LauncherError';
}
