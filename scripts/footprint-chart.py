#!/usr/bin/env python3
"""Draws memory against size, kad against keepalived, as an SVG line chart.

Input (TSV on stdin or the file named by --data): one line per measurement,
    IMPL  SIZE  RSS_KB  PSS_KB  HWM_KB
as scripts/bench-vrrp.sh --sweep and scripts/bench-checker.sh --sweep write them. The x axis is
logarithmic (the sweeps grow by tens), the y axis linear from 0 in MB; PSS is drawn solid and
VmHWM dashed, one colour per implementation. No plotting library: the SVG is written by hand so
that the benchmark needs nothing beyond python3.
"""
import argparse
import math
import sys

COLOURS = {"kad": "#c0392b", "keepalived": "#2c6fbb"}
W, H = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 160, 40, 50


def read(stream):
    rows = {}
    for line in stream:
        f = line.split()
        if len(f) != 5 or f[2] == "-":
            continue
        impl, size = f[0], int(f[1])
        rows.setdefault(impl, []).append((size, int(f[2]), int(f[3]), int(f[4])))
    for v in rows.values():
        v.sort()
    return rows


def nice_step(top):
    raw = top / 5
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def draw(rows, title, xlabel):
    sizes = sorted({s for v in rows.values() for s, *_ in v})
    if not sizes:
        sys.exit("footprint-chart: no data")
    lo, hi = math.log10(min(sizes)), math.log10(max(sizes))
    if hi == lo:
        hi = lo + 1
    top_mb = max(max(p, h) for v in rows.values() for _, _, p, h in v) / 1024 * 1.1
    step = nice_step(top_mb)
    top_mb = math.ceil(top_mb / step) * step
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(size):
        return LEFT + (math.log10(size) - lo) / (hi - lo) * pw

    def y(kb):
        return TOP + ph - kb / 1024 / top_mb * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{LEFT + pw / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
    ]
    v = 0.0
    while v <= top_mb + 1e-9:
        yy = y(v * 1024)
        out.append(f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{LEFT + pw}" y2="{yy:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += step
    for s in sizes:
        xx = x(s)
        out.append(f'<line x1="{xx:.1f}" y1="{TOP}" x2="{xx:.1f}" y2="{TOP + ph}" stroke="#eee"/>')
        out.append(f'<text x="{xx:.1f}" y="{TOP + ph + 16}" text-anchor="middle">{s:,}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 12}" text-anchor="middle">{xlabel} (log scale)</text>')
    out.append(f'<text transform="translate(18 {TOP + ph / 2}) rotate(-90)" text-anchor="middle">MB</text>')
    ly = TOP + 10
    for impl in sorted(rows, key=lambda i: (i != "kad", i)):
        c = COLOURS.get(impl, "#555")
        for col, dash, label in ((2, "", "PSS"), (3, ' stroke-dasharray="6 4"', "VmHWM")):
            pts = " ".join(f"{x(r[0]):.1f},{y(r[col]):.1f}" for r in rows[impl])
            out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="2"{dash}/>')
            if not dash:
                for r in rows[impl]:
                    out.append(f'<circle cx="{x(r[0]):.1f}" cy="{y(r[col]):.1f}" r="3" fill="{c}"/>')
            lx = LEFT + pw + 12
            out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{c}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{lx + 30}" y="{ly + 4}">{impl} {label}</text>')
            ly += 18
    out.append(f'<text x="{LEFT + pw + 12}" y="{ly + 8}" font-size="10" fill="#555">process tree, summed</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", help="TSV file (default: stdin)")
    ap.add_argument("--title", default="memory against size")
    ap.add_argument("--xlabel", default="size")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.data) if a.data else sys.stdin as f:
        rows = read(f)
    with open(a.out, "w") as f:
        f.write(draw(rows, a.title, a.xlabel))


if __name__ == "__main__":
    main()
