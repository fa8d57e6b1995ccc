#!/usr/bin/env python3
"""Regenerates src/ImageFrames.Core/Render/colormaps.json from matplotlib's published colour-map tables.

The perceptual maps (viridis, magma, inferno, plasma, cividis) and turbo are 256-entry lookup tables in
matplotlib (Debian: python3-matplotlib); we sample each at 256 points and store them as hex colours so the
service needs no Python at run time. Run: python3 tools/make_colormaps.py
"""
import json
import pathlib

import matplotlib

NAMES = ["viridis", "magma", "inferno", "plasma", "cividis", "turbo"]


def hex_stops(name: str) -> list[str]:
    cmap = matplotlib.colormaps[name]
    out = []
    for i in range(256):
        r, g, b, _ = cmap(i / 255.0)
        out.append("%02X%02X%02X" % (round(r * 255), round(g * 255), round(b * 255)))
    return out


def main() -> None:
    data = {"source": f"matplotlib {matplotlib.__version__}", "maps": {n: hex_stops(n) for n in NAMES}}
    target = pathlib.Path(__file__).resolve().parent.parent / "src/ImageFrames.Core/Render/colormaps.json"
    target.write_text(json.dumps(data, indent=0) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
