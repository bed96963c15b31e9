import type { Subscription } from 'rxjs';
import type { CheckBack } from '../../src/index.js';
import type { VirtualBroker } from '../../src/testing/index.js';
import type { ProducerLink } from './producerLink.js';
import type { SimScheduler } from './SimScheduler.js';
import { transportCheck } from './transportCheck.js';

/**
 * The proxy's side of check-backs: each check goes to one live producer of the topic, picked at
 * random (seeded), as the 5.x proxy does — possibly late (a slow network), and lost when nobody is
 * there. The producer's transport takes the check (`transportCheck`); the answer travels back over
 * the chosen producer's link, so it dies with that producer.
 */
export class CheckRouter {
  private readonly links: ProducerLink[] = [];
  private readonly subscription: Subscription;

  constructor(
    broker: VirtualBroker,
    private readonly scheduler: SimScheduler,
    private readonly random: () => number,
    private readonly delayAt: (now: number) => number,
    private readonly trace: (line: string) => void,
    private readonly label: (messageId: string) => string,
    private readonly answerTimeoutMs: number,
  ) {
    this.subscription = broker.checkBacks.subscribe((check) => this.route(check));
  }

  register(link: ProducerLink): void {
    this.links.push(link);
  }

  stop(): void {
    this.subscription.unsubscribe();
  }

  private route(check: CheckBack): void {
    const live = this.links.filter((l) => l.alive);
    const who = this.label(check.messageId);
    if (live.length === 0) {
      this.trace(`check ${who}: no live producer, lost`);
      return;
    }
    const link = live[Math.floor(this.random() * live.length)] as ProducerLink;
    const arrived = transportCheck(
      check,
      () => this.scheduler.now(),
      this.answerTimeoutMs,
      () => !link.alive,
    );
    const routed: CheckBack = { ...arrived, answer: (state) => link.guard(arrived.answer(state)) };
    const delay = this.delayAt(this.scheduler.now());
    const deliver = () => {
      if (!link.alive) {
        this.trace(`check ${who} → ${link.name}: gone, lost`);
        return;
      }
      this.trace(`check ${who} → ${link.name}${delay > 0 ? ` (${delay} ms late)` : ''}`);
      link.checks.next(routed);
    };
    if (delay > 0) this.scheduler.schedule(deliver, delay);
    else deliver();
  }
}
