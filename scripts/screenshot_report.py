#!/usr/bin/env python3
"""Render a report.html in headless Chromium to a PNG of the whole page, to check the report as a person sees it.

    python scripts/screenshot_report.py RUN/report.html report.png [--width 1200] [--height 0]

--height 0 (the default) captures the full page, however long; a positive height crops to that many pixels.
"""
import argparse, re, shutil, subprocess, sys, tempfile
from pathlib import Path

MAX_HEIGHT = 40_000  # Chromium refuses larger surfaces

def find_chromium() -> str | None:
    "A Chromium/Chrome binary on PATH, if any"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name): return shutil.which(name)
    return None

def _chromium(browser: str, profile: str, width: int, height: int, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    "Run headless Chromium offline with a throwaway profile"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
           f"--user-data-dir={profile}", f"--window-size={width},{height}", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout)

def page_height(html: Path, width: int = 1200, timeout: int = 120) -> int:
    "Height in pixels of the page laid out at `width` (a copy of the page reports it in its title)"
    browser = find_chromium()
    if browser is None: raise RuntimeError("Chromium not found: apt-get install chromium (or install Google Chrome)")
    with tempfile.TemporaryDirectory() as work:
        probe = Path(work) / "page.html"
        script = "<script>document.title = 'PAGEHEIGHT:' + Math.ceil(document.documentElement.scrollHeight);</script>"
        text = Path(html).read_text(encoding="utf-8")
        probe.write_text(text.replace("</body>", script + "</body>") if "</body>" in text else text + script, encoding="utf-8")
        dom = _chromium(browser, str(Path(work) / "profile"), width, 1000, "--dump-dom", probe.as_uri(), timeout=timeout).stdout
    match = re.search(r"PAGEHEIGHT:(\d+)", dom)
    if not match: raise RuntimeError(f"could not measure the height of {html}")
    return int(match.group(1))

def screenshot(html: Path, png: Path, width: int = 1200, height: int = 0, timeout: int = 120) -> Path:
    "Screenshot `html` into `png` with headless Chromium (no network); height 0: the full page"
    browser = find_chromium()
    if browser is None: raise RuntimeError("Chromium not found: apt-get install chromium (or install Google Chrome)")
    height = height or min(page_height(html, width, timeout), MAX_HEIGHT)
    with tempfile.TemporaryDirectory() as profile:
        _chromium(browser, profile, width, height, f"--screenshot={Path(png).resolve()}", Path(html).resolve().as_uri(), timeout=timeout)
    if not Path(png).exists(): raise RuntimeError(f"Chromium wrote no screenshot for {html}")
    return Path(png)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html"); ap.add_argument("png")
    ap.add_argument("--width", type=int, default=1200); ap.add_argument("--height", type=int, default=0, help="0: the whole page")
    args = ap.parse_args()
    try: print(screenshot(Path(args.html), Path(args.png), args.width, args.height))
    except (RuntimeError, subprocess.SubprocessError) as e: sys.exit(f"screenshot: {e}")
