"""Screenshots of the demo study's pages for the README and docs (docs/console-*.png): the
map, its BPMN view, the cases page and the Documentation time page.

    .venv/bin/python tests/server/console/readme_shots.py [--out docs]

Runs `taskloom demo --no-serve` into a temporary folder, serves it on a free loopback
port, logs in with the demo's printed console login in Debian's chromium and saves the
pages. Not a test: run it by hand after changing how the console looks.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.collector.factories import TASKLOOM, LiveCollector  # noqa: E402
from tests.server.console.conftest import CHROMIUM, FLAGS  # noqa: E402
from tests.server.console.factories import browser_login  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="readme_shots_") as tmp_name:
        tmp = Path(tmp_name)
        db = f"sqlite:///{tmp / 'demo.db'}"
        demo = subprocess.run([TASKLOOM, "demo", "--db", db, "--dir", str(tmp / "demo"), "--no-serve"],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        login = (tmp / "demo" / "console_login").read_text()
        password = re.search(r"password: (\S+)", login).group(1)  # type: ignore[union-attr]
        print(demo.stdout.splitlines()[-1])
        server = LiveCollector(db, tmp).start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
                page = browser.new_context(viewport={"width": 1440, "height": 860}).new_page()
                browser_login(page, server.url, "admin", password)
                page.goto(f"{server.url}/studies/1/map")
                page.wait_for_selector("body[data-map-version]")
                expandable = page.locator("g.pan > svg.taskloom-map g.node.expandable")
                if expandable.count():  # the demo links its tasks: open the busiest activity's
                    doc = page.evaluate("fetch('/api/v1/studies/1/map').then(r => r.json())")
                    busiest = max((n for n in doc["nodes"] if n.get("desk")),
                                  key=lambda n: n["desk"]["tasks"])["name"]
                    version = page.evaluate("document.body.dataset.mapVersion")
                    page.locator(f"g.pan > svg.taskloom-map g.node[data-name='{busiest}']").click()
                    page.click(".details button.expand")
                    page.wait_for_function("v => document.body.dataset.mapVersion !== v", arg=version)
                    page.wait_for_selector("g.submap")
                else:
                    page.locator("g.pan > svg.taskloom-map g.node:not(.start):not(.end)").first.click()
                page.screenshot(path=str(args.out / "console-map.png"))
                if expandable.count():
                    page.click(".details button.expand")  # collapse again for the next shots
                page.goto(f"{server.url}/studies/1/cases")
                page.wait_for_selector(".timeline")
                page.select_option("#case-sort", "-events")  # a case with a long timeline
                page.wait_for_function("() => document.querySelector('#case-title')"
                                       " && document.querySelectorAll('.timeline > li').length > 1")
                page.screenshot(path=str(args.out / "console-cases.png"))
                page.goto(f"{server.url}/studies/1/map")
                page.wait_for_selector("body[data-map-version]")
                version = page.evaluate("document.body.dataset.mapVersion")
                page.select_option("#view", "bpmn")
                page.wait_for_function("v => document.body.dataset.mapVersion !== v", arg=version,
                                       timeout=300_000)
                page.screenshot(path=str(args.out / "console-bpmn.png"))
                page.select_option("#view", "map")  # the next visit starts on the map again
                page.goto(f"{server.url}/studies/1/documentation")
                page.wait_for_selector("body[data-doc-version]", timeout=300_000)
                for name in ("schedule", "visits"):
                    page.set_input_files(f"#doc-{name}", str(tmp / "demo" / f"{name}.csv"))
                page.click("text=Compute")
                page.wait_for_function("() => document.body.dataset.docVersion === '2'", timeout=300_000)
                page.screenshot(path=str(args.out / "console-documentation.png"), full_page=True,
                                clip={"x": 0, "y": 0, "width": 1440, "height": 1500})
                browser.close()
        finally:
            server.stop()
    print(f"wrote console-map.png, console-cases.png, console-bpmn.png and "
          f"console-documentation.png in {args.out}")


if __name__ == "__main__":
    main()
