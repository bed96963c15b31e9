/** Types of variants.mjs, for the test that runs its workloads small. */
export interface VariantRun {
  readonly ms: number;
  readonly committed: number;
}
export function viaTransactional(
  count: number,
  concurrency: number,
  storeRead?: boolean,
): Promise<VariantRun>;
export function viaBareChain(count: number, concurrency: number): Promise<VariantRun>;
