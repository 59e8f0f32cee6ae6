import { DateTime } from 'luxon';

/** CRM.COM dates: `YYYY-MM-DDTHH:mm:ss`, optionally with fractions and an offset or `Z` (SPEC §1). */
export const API_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;

/** Reads and writes API dates in the configured zone; values without an offset are read in that zone. */
export class ServiceTimeZone {
  /** In UTC (the default) an instant's own ISO text is already the answer: no calendar arithmetic per field. */
  private readonly utc: boolean;

  constructor(readonly zone: string) {
    this.utc = ['UTC', 'Etc/UTC', 'utc', 'Z'].includes(zone);
  }

  /** Null when the text is not a real instant (e.g. 2026-02-30T00:00:00). */
  parse(text: string): Date | null {
    if (!API_DATE_PATTERN.test(text)) return null;
    const parsed = DateTime.fromISO(text, { zone: this.zone, setZone: false });
    return parsed.isValid ? parsed.toJSDate() : null;
  }

  format(iso: string | null): string | null {
    if (iso === null) return null;
    if (this.utc && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(iso)) return iso.slice(0, 19);
    return DateTime.fromISO(iso, { zone: 'utc' }).setZone(this.zone).toFormat("yyyy-MM-dd'T'HH:mm:ss");
  }
}
