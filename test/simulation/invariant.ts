import type { Observation } from './runSchedule.js';

/** One way a run broke the guarantee. */
export interface Violation {
  readonly kind: 'lost' | 'phantom' | 'stuck';
  readonly detail: string;
}

/**
 * The guarantee, judged after a run: every transaction whose business work committed is delivered
 * at least once (unless the guarantee does not cover it: `excused`); nothing whose work did not
 * commit is ever delivered; every stream completed and every close settled (the stores are
 * healthy by the end of every schedule: outages are windows).
 */
export function violations(o: Observation): Violation[] {
  const out: Violation[] = [];
  for (const id of o.committed.keys()) {
    if (!o.delivered.has(id) && !o.excused.has(id)) {
      out.push({ kind: 'lost', detail: `${o.label(id)}: its work committed, it was never delivered` });
    }
  }
  for (const id of o.delivered.keys()) {
    if (!o.committed.has(id)) {
      out.push({ kind: 'phantom', detail: `${o.label(id)}: delivered, its work never committed` });
    }
  }
  for (const s of o.stuck) out.push({ kind: 'stuck', detail: s });
  return out;
}
