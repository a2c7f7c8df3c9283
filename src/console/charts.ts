/**
 * Charts as server-side SVG: no script, no external asset, inert under the console's CSP. Labels
 * go through the escaping `html` tag like everything else. Colours come from console.css classes.
 */
import { html, type Html } from './html.js';

export interface Series {
  key: string;
  label: string;
}

/** Stacked bars per day (decisions per day). */
export function stackedBars(title: string, days: Array<{ day: string; counts: Record<string, number> }>, series: readonly Series[]): Html {
  const w = 720;
  const h = 220;
  const pad = { l: 40, r: 10, t: 10, b: 30 };
  const max = Math.max(1, ...days.map((d) => series.reduce((a, s) => a + (d.counts[s.key] ?? 0), 0)));
  const bw = days.length ? (w - pad.l - pad.r) / days.length : 0;
  const y = (v: number) => ((h - pad.t - pad.b) * v) / max;
  const bars = days.map((d, i) => {
    let acc = 0;
    const total = series.reduce((a, s) => a + (d.counts[s.key] ?? 0), 0);
    const rects = series.map((s) => {
      const v = d.counts[s.key] ?? 0;
      if (!v) return html``;
      acc += v;
      return html`<rect class="s-${s.key.toLowerCase()}" x="${(pad.l + i * bw + 1).toFixed(1)}" y="${(h - pad.b - y(acc)).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${y(v).toFixed(1)}"></rect>`;
    });
    const label = i % Math.max(1, Math.ceil(days.length / 8)) === 0 ? html`<text x="${(pad.l + i * bw).toFixed(1)}" y="${h - 10}" class="axis">${d.day.slice(5)}</text>` : html``;
    return html`<g><title>${d.day}: ${total} (${series.map((s) => `${s.label} ${d.counts[s.key] ?? 0}`).join(', ')})</title>${rects}</g>${label}`;
  });
  return html`<figure><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}" class="chart">
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" class="axisline"></line>
<text x="4" y="${pad.t + 10}" class="axis">${max}</text><text x="4" y="${h - pad.b}" class="axis">0</text>
${bars}</svg>
<figcaption>${title} · ${series.map((s) => html`<span class="key s-${s.key.toLowerCase()}">■</span> ${s.label} `)}</figcaption></figure>`;
}

/** Horizontal bars (top rules, intermediary countries, waiting-time buckets). */
export function hbars(title: string, rows: Array<{ label: string; value: number; note?: string; mark?: boolean }>): Html {
  if (!rows.length) return html`<figure><p class="empty">Nothing in this period.</p><figcaption>${title}</figcaption></figure>`;
  const w = 520;
  const rowH = 22;
  const labelW = 170;
  const h = rows.length * rowH + 6;
  const max = Math.max(1, ...rows.map((r) => r.value));
  return html`<figure><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${title}" class="chart">
${rows.map((r, i) => {
  const bw = ((w - labelW - (rows.some((x) => x.note) ? 150 : 60)) * r.value) / max;
  return html`<g><title>${r.label}: ${r.value}${r.note ? ` (${r.note})` : ''}</title>
<text x="0" y="${i * rowH + 16}" class="label">${r.label.length > 24 ? `${r.label.slice(0, 23)}…` : r.label}</text>
<rect x="${labelW}" y="${i * rowH + 4}" width="${Math.max(1, bw).toFixed(1)}" height="${rowH - 8}" class="${r.mark ? 'bar mark' : 'bar'}"></rect>
<text x="${(labelW + bw + 6).toFixed(1)}" y="${i * rowH + 16}" class="label">${r.value}${r.note ? ` · ${r.note}` : ''}</text></g>`;
})}</svg><figcaption>${title}</figcaption></figure>`;
}

export interface RouteStop {
  code: string;
  role: 'origin' | 'via' | 'destination';
  hub: string | null;
  flagged: boolean;
}

/** The route drawn origin → each intermediary → destination; hubs ringed, flagged legs in the alert colour. */
export function routeDiagram(stops: RouteStop[]): Html {
  const gap = 170;
  const w = Math.max(300, 60 + gap * (stops.length - 1) + 60);
  const h = 125;
  const x = (i: number) => 60 + i * gap;
  return html`<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="Route: ${stops.map((s) => `${s.code}${s.hub ? ' (hub)' : ''}`).join(' to ')}" class="route">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"></path></marker></defs>
${stops.slice(1).map((s, i) => html`<line x1="${x(i) + 24}" y1="45" x2="${x(i + 1) - 26}" y2="45" class="${s.flagged ? 'leg flagged' : 'leg'}" marker-end="url(#arrow)"></line>`)}
${stops.map(
  (s, i) => html`<g>${s.hub ? html`<circle cx="${x(i)}" cy="45" r="26" class="hubring"></circle>` : ''}<circle cx="${x(i)}" cy="45" r="20" class="${s.flagged ? 'stop flagged' : 'stop'}"></circle>
<text x="${x(i)}" y="50" text-anchor="middle" class="code">${s.code}</text>
<text x="${x(i)}" y="92" text-anchor="middle" class="label">${s.role}</text>
${s.hub ? html`<text x="${x(i)}" y="108" text-anchor="middle" class="label">hub: ${s.hub}</text>` : ''}</g>`,
)}</svg>`;
}
