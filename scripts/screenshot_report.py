#!/usr/bin/env python3
"""Render a report.html in headless Chromium to a PNG, to check the report as a person sees it.

    python scripts/screenshot_report.py RUN/report.html report.png [--width 1200] [--height 3600]
"""
import argparse, shutil, subprocess, sys, tempfile
from pathlib import Path

def find_chromium() -> str | None:
    "A Chromium/Chrome binary on PATH, if any"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name): return shutil.which(name)
    return None

def screenshot(html: Path, png: Path, width: int = 1200, height: int = 3600, timeout: int = 120) -> Path:
    "Screenshot `html` into `png` with headless Chromium (no network, throwaway profile)"
    browser = find_chromium()
    if browser is None: raise RuntimeError("Chromium not found: apt-get install chromium (or install Google Chrome)")
    with tempfile.TemporaryDirectory() as profile:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
               f"--user-data-dir={profile}", f"--window-size={width},{height}", f"--screenshot={Path(png).resolve()}",
               Path(html).resolve().as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
    if not Path(png).exists(): raise RuntimeError(f"Chromium wrote no screenshot for {html}")
    return Path(png)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html"); ap.add_argument("png")
    ap.add_argument("--width", type=int, default=1200); ap.add_argument("--height", type=int, default=3600)
    args = ap.parse_args()
    try: print(screenshot(Path(args.html), Path(args.png), args.width, args.height))
    except RuntimeError as e: sys.exit(f"screenshot: {e}")
