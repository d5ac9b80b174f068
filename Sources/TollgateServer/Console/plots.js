// Small SVG plots for the Tollgate console: no library, no network.
"use strict";

const Plots = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function frame(container, width, height) {
    container.textContent = "";
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    container.appendChild(svg);
    return svg;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function legend(container, series) {
    const div = document.createElement("div");
    div.className = "legend";
    for (const s of series) {
      const i = document.createElement("i");
      i.style.background = s.color;
      div.appendChild(i);
      div.appendChild(document.createTextNode(s.name));
    }
    container.appendChild(div);
  }

  // Stacked bars: labels[i] on the x axis, series = [{name, color, values[]}]; an optional line
  // ({name, color, values[]}) on its own right-hand scale.
  function stackedBars(container, labels, series, opts = {}) {
    const W = opts.width || 1200, H = opts.height || 220, L = 44, R = opts.line ? 60 : 12, T = 10, B = 24;
    const svg = frame(container, W, H);
    const n = labels.length;
    if (n === 0) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, opts.empty || "no data yet"));
      legend(container, series.concat(opts.line ? [opts.line] : []));
      return svg;
    }
    const totals = labels.map((_, i) => series.reduce((a, s) => a + (s.values[i] || 0), 0));
    const yMax = niceMax(Math.max(...totals));
    const pw = W - L - R, ph = H - T - B, bw = pw / n;
    for (let k = 0; k <= 4; k++) {
      const y = T + ph - (ph * k) / 4;
      svg.appendChild(el("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e3e7ec" }));
      svg.appendChild(el("text", { x: L - 4, y: y + 3, "text-anchor": "end" }, fmt(yMax * k / 4)));
    }
    labels.forEach((label, i) => {
      let y = T + ph;
      for (const s of series) {
        const v = s.values[i] || 0;
        if (v <= 0) continue;
        const h = (ph * v) / yMax;
        y -= h;
        const r = el("rect", { x: L + i * bw + bw * 0.1, y, width: Math.max(1, bw * 0.8), height: h, fill: s.color });
        r.appendChild(el("title", {}, `${label} ${s.name}: ${fmt(v)}`));
        svg.appendChild(r);
      }
      const every = Math.ceil(n / 12);
      if (i % every === 0) svg.appendChild(el("text", { x: L + i * bw + bw / 2, y: H - 8, "text-anchor": "middle" }, label));
    });
    if (opts.line) {
      const vals = opts.line.values, lMax = niceMax(Math.max(...vals, 0));
      const pts = vals.map((v, i) => `${L + i * bw + bw / 2},${T + ph - (ph * v) / lMax}`).join(" ");
      svg.appendChild(el("polyline", { points: pts, fill: "none", stroke: opts.line.color, "stroke-width": 2 }));
      for (let k = 0; k <= 4; k++) {
        const y = T + ph - (ph * k) / 4;
        svg.appendChild(el("text", { x: W - R + 4, y: y + 3 }, (opts.line.prefix || "") + fmt(lMax * k / 4)));
      }
    }
    if (opts.marker) {  // a vertical dashed line at a fractional slot position, e.g. a threshold
      const x = L + opts.marker.at * bw;
      svg.appendChild(el("line", { x1: x, x2: x, y1: T, y2: T + ph, stroke: "#c0392b", "stroke-dasharray": "4 3", "stroke-width": 1.5, class: "marker" }));
      svg.appendChild(el("text", { x: x - 4, y: T + 10, "text-anchor": "end", class: "marker-label" }, opts.marker.label));
    }
    legend(container, series.concat(opts.line ? [opts.line] : []));
    return svg;
  }

  // Lines on one scale: series = [{name, color, values[]}] (null values are gaps).
  function lines(container, labels, series, opts = {}) {
    const W = opts.width || 600, H = opts.height || 200, L = 44, R = 12, T = 10, B = 24;
    const svg = frame(container, W, H);
    const all = series.flatMap(s => s.values.filter(v => v !== null && isFinite(v)));
    if (labels.length === 0 || all.length === 0) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, opts.empty || "no data yet"));
      legend(container, series);
      return svg;
    }
    const yMax = niceMax(Math.max(...all)), n = labels.length;
    const pw = W - L - R, ph = H - T - B, step = n > 1 ? pw / (n - 1) : 0;
    for (let k = 0; k <= 4; k++) {
      const y = T + ph - (ph * k) / 4;
      svg.appendChild(el("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e3e7ec" }));
      svg.appendChild(el("text", { x: L - 4, y: y + 3, "text-anchor": "end" }, fmt(yMax * k / 4)));
    }
    for (const s of series) {
      const pts = s.values.map((v, i) => (v === null || !isFinite(v)) ? null : `${L + i * step},${T + ph - (ph * Math.min(v, yMax)) / yMax}`).filter(Boolean);
      svg.appendChild(el("polyline", { points: pts.join(" "), fill: "none", stroke: s.color, "stroke-width": 2 }));
      if (pts.length === 1) { const [x, y] = pts[0].split(","); svg.appendChild(el("circle", { cx: x, cy: y, r: 3, fill: s.color })); }
    }
    const every = Math.ceil(n / 6);
    labels.forEach((label, i) => { if (i % every === 0) svg.appendChild(el("text", { x: L + i * step, y: H - 8, "text-anchor": "middle" }, label)); });
    legend(container, series);
    return svg;
  }

  function fmt(v) {
    if (v === 0) return "0";
    if (Math.abs(v) >= 1000) return (v / 1000).toFixed(1) + "k";
    if (Math.abs(v) >= 10 || Number.isInteger(v)) return String(Math.round(v * 10) / 10);
    return v.toPrecision(2);
  }

  return { stackedBars, lines, fmt };
})();
