/**
 * Prints how many tests ran per project, fails the run when any test was skipped (a skipped test
 * never stands in for a missing feature here), and closes with a plain `N passed, N failed` line.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class CountingReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const counts = new Map<string, { passed: number; failed: number; skipped: number }>();
    for (const mod of modules) {
      const name = mod.project.name || 'default';
      const c = counts.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') c.passed++;
        else if (state === 'failed') c.failed++;
        else c.skipped++;
      }
      counts.set(name, c);
    }
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const [name, c] of counts) {
      console.log(`${name} tests: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
      passed += c.passed;
      failed += c.failed;
      skipped += c.skipped;
    }
    if (skipped > 0) {
      console.log(`error: ${skipped} test(s) were skipped; this suite runs every test`);
      process.exitCode = 1;
    }
    console.log(`tests: ${passed} passed, ${failed} failed`);
  }
}
