#!/usr/bin/env bash
# Plots a fer-soak memory record (CSV "frame,rss_kib") as an SVG line chart on stdout.
# Usage: tests/soak/plot-rss.sh RSS.csv TITLE > RSS.svg
set -euo pipefail
awk -F, -v title="$2" '
  BEGIN { n = 0 }
  NR == 1 { next }
  { x[n] = $1; y[n] = $2 / 1024; if (y[n] > ymax) ymax = y[n]; if ($1 > xmax) xmax = $1; n++ }
  END {
    W = 800; H = 400; L = 70; B = 50; T = 40; R = 40
    ytop = (int (ymax / 50) + 1) * 50
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"20\">%s</text>\n", L, title
    for (v = 0; v <= ytop; v += ytop / 5) {
      py = H - B - v / ytop * (H - B - T)
      printf "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"5\" y=\"%.1f\">%d MiB</text>\n", L, W - R, py, py, py + 4, v
    }
    for (v = 0; v <= xmax; v += xmax / 5)
      printf "<text x=\"%.1f\" y=\"%d\">%d</text>\n", L + v / xmax * (W - L - R) - 15, H - B + 20, v
    printf "<text x=\"%d\" y=\"%d\">frames</text>\n", W / 2, H - 10
    printf "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
    for (i = 0; i < n; i++)
      printf "%.1f,%.1f ", L + x[i] / xmax * (W - L - R), H - B - y[i] / ytop * (H - B - T)
    printf "\"/>\n</svg>\n"
  }' "$1"
