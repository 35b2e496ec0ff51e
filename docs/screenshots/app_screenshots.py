"""Copy the app's snapshot SVGs here as screenshots, and render PNGs where Chromium exists.

    .venv/bin/python docs/screenshots/app_screenshots.py

Rich 15 writes each text run's textLength as len(text) cells, so Japanese (two cells a
character) comes out squeezed to half its width; this script sets textLength from
the run's cell width. The PNGs use IPAGothic (Debian: fonts-ipafont-gothic), whose
kana and kanji are exactly two half-width cells wide, like a terminal's.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from rich.cells import cell_len

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE.parents[1] / "tests" / "app" / "__snapshots__" / "test_snapshots"
SHOTS = {
    "setup-screen": "TestSetup.test_setup_screen",
    "setup-embargoed": "TestSetup.test_setup_embargoed",
    "setup-done": "TestSetup.test_setup_done",
    "code-screen": "TestCode.test_code_screen",
    "code-screen-last-seconds": "TestCode.test_code_screen_last_seconds",
    "token-list": "TestCode.test_token_list",
    "lock-code": "TestSettings.test_lock_code_screen",
    "unlock-warning": "TestLock.test_unlock_with_warning",
}
TEXT = re.compile(r'(<text [^>]*?textLength=")([\d.]+)("[^>]*>)(.*?)(</text>)', re.S)


def fix_text_lengths(svg: str) -> str:
    def fix(match: re.Match[str]) -> str:
        text = html.unescape(match.group(4))
        width = float(match.group(2)) / max(len(text), 1) * cell_len(text)
        return f"{match.group(1)}{width:g}{match.group(3)}{match.group(4)}{match.group(5)}"
    return TEXT.sub(fix, svg)


def render_png(svg: Path, png: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return
    fonts = svg.read_text().replace("Fira Code, monospace", '"IPAGothic", monospace')
    fonts = fonts.replace('"Fira Code"', '"IPAGothic"')
    with tempfile.NamedTemporaryFile("w", suffix=".svg", delete=False) as tmp:
        tmp.write(fonts)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",  # noqa: S603
                    "--hide-scrollbars", f"--screenshot={png}", "--window-size=994,636",
                    f"file://{tmp.name}"], check=True, capture_output=True, timeout=60)
    Path(tmp.name).unlink()


def main() -> None:
    for name, snapshot in SHOTS.items():
        svg = HERE / f"{name}.svg"
        svg.write_text(fix_text_lengths((SNAPSHOTS / f"{snapshot}.svg").read_text()))
        render_png(svg, HERE / f"{name}.png")
        print(svg.relative_to(HERE.parents[1]))


if __name__ == "__main__":
    main()
