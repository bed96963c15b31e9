/** Options of `close()` on brokers and stores. */
export interface CloseOptions {
  /**
   * Stops waiting for work under way: what has not finished is abandoned (as when the drain
   * timeout passes) and everything is released at once. `close()` still resolves — it never
   * rejects — once released.
   */
  readonly signal?: AbortSignal;
}
