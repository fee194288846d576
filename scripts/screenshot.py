"""Regenerate the README screenshot of the explorer (docs/explorer.png).

Ingests samples/ into an in-memory graph, exports the explorer, opens it in headless
Chromium (the test browser: system chromium + chromedriver, see tests/browser.py), selects
the most connected entity so the side panel shows its facts and evidence, and saves a
1280x800 PNG.

    python scripts/screenshot.py [--out docs/explorer.png] [--entity NAME]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "explorer.png"))
    p.add_argument("--entity", default=None, help="label to select (default: the most connected)")
    args = p.parse_args(argv)

    import browser

    from kg.api import KnowledgeGraph

    if not browser.available():
        print("needs chromium and chromedriver (python3 bootstrap.py test installs them)", file=sys.stderr)
        return 1
    kg = KnowledgeGraph.memory()
    report = kg.ingest([str(ROOT / "samples")])
    if not report.ok:
        print(f"ingesting samples/ failed: {report}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        page = kg.export(Path(folder) / "explorer.html", "html")
        driver = browser.start(1280, 800)
        try:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
            browser.open_file(driver, page)
            end = time.monotonic() + 60
            while not driver.execute_script("return !!(window.kgExplorer && window.kgExplorer.ready)"):
                if time.monotonic() > end:
                    raise SystemExit("the explorer did not become ready in 60 s")
                time.sleep(0.1)
            node = driver.execute_script("""
                var nodes = window.kgExplorer.data.nodes, want = arguments[0];
                var pick = nodes.filter(function (n) { return want ? n.label === want : true; })
                                .sort(function (a, b) { return b.degree - a.degree; })[0];
                if (!pick) { return null; }
                window.kgExplorer.selectEntity(pick.id, false);
                var near = window.kgNetwork.getConnectedNodes(pick.id).concat([pick.id]);
                window.kgNetwork.fit({nodes: near, animation: false});
                return pick.label;""", args.entity)
            if node is None:
                raise SystemExit(f"no entity labelled {args.entity!r}")
            time.sleep(0.5)
            errors = browser.console_errors(driver)
            if errors:
                raise SystemExit(f"console errors: {errors}")
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(out))
        finally:
            driver.quit()
    print(f"wrote {out} ({node} selected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
