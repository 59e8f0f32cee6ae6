import { Logger } from '@nestjs/common';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { dlqTopicOf } from '../../application/ports/message-bus.port';
import { KafkaConnection } from './kafka-connection';

/** How often the topics this process uses are checked for existence (a deleted one is created again). */
const TOPIC_CHECK_INTERVAL_MS = 5_000;

/** The topics this process uses (with their dead-letter twins): created at start, and again when deleted under it. */
export class KafkaTopics {
  private readonly logger = new Logger('KafkaBus');
  private readonly topicRetries = retry(handleAll, { maxAttempts: 20, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) });
  /** Every topic this process uses (with its dead-letter topic): recreated when deleted under it. */
  private readonly owned = new Set<string>();
  private guard: NodeJS.Timeout | null = null;
  private recreating: Promise<void> | null = null;

  constructor(private readonly connection: KafkaConnection) {}

  /**
   * Creates missing topics, then waits until every partition has a leader. kafkajs' own `waitForLeaders`
   * fails with "This server does not host this topic-partition" when metadata lags behind a creation (seen
   * when several clients create topics at once), so the wait is done here, with bounded retries.
   */
  async ensure(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => [t, dlqTopicOf(t)]))];
    for (const topic of wanted) this.owned.add(topic);
    this.guard ??= setInterval(() => void this.missing().catch(() => undefined), TOPIC_CHECK_INTERVAL_MS).unref();
    await this.createMissing(wanted);
  }

  private async createMissing(wanted: readonly string[]): Promise<void> {
    await this.topicRetries.execute(async () => {
      await this.connection.connect();
      const existing = new Set(await this.connection.admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length) {
        await this.connection.admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.connection.options.partitions,
            replicationFactor: this.connection.options.replicationFactor,
          })),
        });
      }
      const { topics: described } = await this.connection.admin.fetchTopicMetadata({ topics: [...wanted] });
      const leaderless = described.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length) throw new Error(`no leader yet for ${leaderless.map((t) => t.name).join(', ')}`);
    });
  }

  /**
   * Why the topics are not ready: the cluster does not answer, or topics this process uses are missing (a topic
   * deleted under the running service is created again here, and every TOPIC_CHECK_INTERVAL_MS: its consumers
   * start over from its beginning, and the service's outcome timeout re-sends what was on it). Null when ready.
   */
  async missing(): Promise<string | null> {
    let existing: Set<string>;
    try {
      await this.connection.connect();
      existing = new Set(await this.connection.admin.listTopics());
    } catch {
      return 'the Kafka cluster does not answer';
    }
    const missing = [...this.owned].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return null;
    this.logger.error(`Topics missing on the cluster (deleted?): ${missing.join(', ')}; creating them again.`);
    this.recreating ??= this.createMissing(missing)
      .catch((error) => this.logger.error(`Could not create ${missing.join(', ')} again: ${(error as Error).message}`))
      .finally(() => (this.recreating = null));
    return `topics missing, being created again: ${missing.join(', ')}`;
  }

  stopGuard(): void {
    if (this.guard) clearInterval(this.guard);
    this.guard = null;
  }
}
