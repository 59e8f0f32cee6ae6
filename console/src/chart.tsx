import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  stroke: string;
}

/** A small time-series chart (uPlot); `times` are epoch seconds. The table beside it carries the same figures for screen readers. */
export function TimeChart({ title, times, series, unit }: { title: string; times: number[]; series: Series[]; unit: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const plot = new uPlot(
      {
        title,
        width: Math.max(320, Math.min(720, host.current.clientWidth || 640)),
        height: 220,
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, spanGaps: false }))],
        axes: [{}, { label: unit }],
      },
      [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
      host.current,
    );
    return () => plot.destroy();
  }, [title, unit, JSON.stringify(times), JSON.stringify(series)]);
  return <div ref={host} role="img" aria-label={`${title} chart`} class="chart" />;
}
