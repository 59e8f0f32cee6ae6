/** The broker the test command started (KAFKA_BROKERS); e2e suites that need Kafka skip, loudly, without one. */
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '';

export function describeWithKafka(name: string, body: () => void): void {
  if (KAFKA_BROKERS) {
    describe(name, body);
  } else {
    describe(name, () => {
      it.skip('SKIPPED: KAFKA_BROKERS is not set (npm test starts a broker; plain jest does not)', () => undefined);
    });
  }
}
