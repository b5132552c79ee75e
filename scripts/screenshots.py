"""Screenshots of the dashboard's main pages for the README (``docs/screenshots/*.png``).

Serves the app on 127.0.0.1 (a free port) from the store under ``$ROOTCAUSES_HOME`` — prepare it
as ``make build`` does (``rootcauses data build``, ``rootcauses tracker import``, ``rootcauses
prepare``) so that every page has something to show — and drives Debian's chromium through
Playwright. Each shot is the top of the page once the charts on screen are drawn (the pages draw a
chart when it nears the screen); the policy-lab shot runs a scenario comparison first and shows
its chart. With Pillow installed the images are stored with a 256-colour palette, a third of the
size.

Usage::

    python scripts/screenshots.py [--output docs/screenshots] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
from pathlib import Path

PAGES = (
    ("overview", "/?basis=usbp"),
    ("drivers", "/drivers"),
    ("forecasts", "/forecasts"),
    ("commitments", "/commitments"),
    ("policy-lab", "/policy-lab?scenario=harris_strategy&households=20000&months=36&members=4"),
    ("sources", "/sources"),
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# every chart on screen drawn (those below it are drawn when scrolled to)
CHART_DRAWN = """() => [...document.querySelectorAll('div.chart')].filter(e => {
    const box = e.getBoundingClientRect();
    return e.offsetParent !== null && box.top < innerHeight && box.bottom > 0;
  }).every(e => e.data && e.data.length)"""
BAND_DRAWN = (
    "() => { const d = document.getElementById('chart').data;"
    " return !!d && d.some(t => t.fill === 'tonexty'); }"
)


def take(output: Path, chromium: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from rootcauses.web.serving import serve_in_thread

    output.mkdir(parents=True, exist_ok=True)
    written = []
    with serve_in_thread(log_level="error") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_context(
            base_url=base, viewport={"width": 1280, "height": 900}
        ).new_page()
        for name, path in PAGES:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if name == "policy-lab":
                page.click("#run")
                page.locator("#chart").scroll_into_view_if_needed()
                page.wait_for_function(BAND_DRAWN, timeout=300_000)
            else:
                page.wait_for_function(CHART_DRAWN, timeout=30_000)
            page.wait_for_timeout(500)  # let plotly finish its transitions
            target = output / f"{name}.png"
            page.screenshot(path=str(target), full_page=False)
            shrink(target)
            written.append(target)
        browser.close()
    return written


def shrink(path: Path) -> None:
    """The screenshot with a 256-colour palette (charts and text lose nothing visible)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is optional here
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args()
    for path in take(args.output, args.chromium):
        print(path)


if __name__ == "__main__":
    main()
