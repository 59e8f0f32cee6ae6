/** What the application reports about itself; the Prometheus adapter turns it into metrics. */
export interface ServiceMetrics {
  commandHandled(command: string, seconds: number, result: 'appended' | 'unchanged' | 'failed'): void;
  eventsAppended(count: number): void;
  appendConflict(): void;
  dispatchPublished(): void;
  outcomeRecorded(result: 'accepted' | 'rejected' | 'unanswered' | 'ignored'): void;
}

export const SERVICE_METRICS = Symbol('ServiceMetrics');
