"""A report page as headless Chromium lays it out: overflowing tables, blank figures and
screenshots, for the report tests (and by hand: ``python -m tests.report.browser PAGE OUT``).

Chromium comes from the system packages (Debian: ``apt-get install -y chromium``); its
binary is $HFTLAB_CHROMIUM, else the first of chromium, chromium-browser, google-chrome
on PATH. A measuring script is added to a copy of the page; it runs after every image has
loaded and writes what it measured into the page as JSON, which ``--dump-dom`` returns.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]
WIDTH = 1280  # a laptop's browser window, CSS pixels

MEASURE = """<script>
window.addEventListener("load", () => {
  const page = document.documentElement;
  const tables = [...document.querySelectorAll("table")].map((t, i) => {
    const box = t.parentElement.getBoundingClientRect();
    const r = t.getBoundingClientRect();
    return {index: i, caption: (t.caption ? t.caption.textContent : "") ||
              (t.querySelector("th,td") || {textContent: ""}).textContent.slice(0, 40),
            width: r.width, right: r.right, container_right: box.right,
            scroll_width: t.scrollWidth, client_width: t.clientWidth};
  });
  const images = [...document.images].map((img, i) => {
    const c = document.createElement("canvas");
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    let ink = 0, colour = 0, n = 0;
    if (c.width && c.height) {
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let p = 0; p < d.length; p += 4) {
        const r = d[p], gr = d[p + 1], b = d[p + 2];
        n += 1;
        if (r < 235 || gr < 235 || b < 235) ink += 1;
        if (Math.max(r, gr, b) - Math.min(r, gr, b) > 60) colour += 1;
      }
    }
    const r = img.getBoundingClientRect();
    return {index: i, alt: img.alt, natural_width: img.naturalWidth,
            natural_height: img.naturalHeight, shown_width: r.width, right: r.right,
            ink: n ? ink / n : 0, colour: n ? colour / n : 0};
  });
  const out = document.createElement("pre");
  out.id = "hftlab-measure";
  out.textContent = JSON.stringify({
    viewport_width: page.clientWidth, page_width: page.scrollWidth,
    page_height: page.scrollHeight, tables: tables, images: images});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str | None:
    """The Chromium binary to use, or None when there is none."""
    env = os.environ.get("HFTLAB_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(binary: str, args: list[str], profile: str, timeout: float = 120.0) -> str:
    res = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                         capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"chromium exited with {res.returncode}: {res.stderr[-2000:]}")
    return res.stdout


def measure(page: Path, binary: str, width: int = WIDTH) -> dict:
    """Lay page out in a window `width` CSS pixels wide and measure it: page and viewport
    widths, each table's width and right edge against its container's, each image's
    size, share of non-white pixels (ink) and of coloured pixels (colour, the data)."""
    html = page.read_text(encoding="utf-8")
    if "</body>" not in html:
        raise ValueError(f"{page}: no </body> to add the measuring script before")
    with tempfile.TemporaryDirectory(prefix="hftlab-chromium-") as tmp:
        copy = Path(tmp) / page.name
        copy.write_text(html.replace("</body>", MEASURE + "</body>", 1), encoding="utf-8")
        dom = _run(binary, [f"--window-size={width},900", "--virtual-time-budget=20000",
                            "--dump-dom", copy.as_uri()], f"{tmp}/profile")
    found = re.search(r'<pre id="hftlab-measure">(.*?)</pre>', dom, re.S)
    if not found:
        raise RuntimeError(f"{page}: the measuring script left no result in the page")
    text = found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    return json.loads(text.replace("&amp;", "&"))


def screenshots(page: Path, out_dir: Path, binary: str, width: int = WIDTH,
                height: int = 1400) -> list[Path]:
    """The whole page as PNG screens of width x height CSS pixels (top to bottom)."""
    from PIL import Image

    total = int(measure(page, binary, width)["page_height"])
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hftlab-chromium-") as tmp:
        full = Path(tmp) / "page.png"
        _run(binary, [f"--window-size={width},{total}", f"--screenshot={full}",
                      page.resolve().as_uri()], f"{tmp}/profile")
        image = Image.open(full)
        paths = []
        for k, top in enumerate(range(0, total, height)):
            path = out_dir / f"{page.stem}-{k:02d}.png"
            image.crop((0, top, width, min(top + height, total))).save(path)
            paths.append(path)
    return paths


def problems(m: dict, min_colour: float = 0.002) -> list[str]:
    """What reads badly in a measurement: a page wider than the window, a table wider than
    its container or clipped, an image that did not load, is shown wider than the page or
    is blank (no coloured pixels: a figure without data)."""
    out = []
    if m["page_width"] > m["viewport_width"]:
        out.append(f"the page is {m['page_width']} px wide in a {m['viewport_width']} px window")
    for t in m["tables"]:
        if t["right"] > t["container_right"] + 1 or t["scroll_width"] > t["client_width"] + 1:
            out.append(f"table {t['index']} ({t['caption']!r}) overflows: {t['width']:.0f} px, "
                       f"right edge {t['right']:.0f} px, its container's "
                       f"{t['container_right']:.0f}")
    for i in m["images"]:
        if not i["natural_width"]:
            out.append(f"image {i['index']} ({i['alt']!r}) did not load")
        elif i["right"] > m["viewport_width"] + 1:
            out.append(f"image {i['index']} ({i['alt']!r}) runs off the page")
        elif i["colour"] < min_colour:
            out.append(f"image {i['index']} ({i['alt']!r}) is blank: {100 * i['colour']:.2f} % "
                       f"coloured pixels, {100 * i['ink']:.1f} % ink")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m tests.report.browser PAGE.html OUT_DIR")
    exe = chromium()
    if exe is None:
        raise SystemExit("no chromium binary (apt-get install -y chromium, or set HFTLAB_CHROMIUM)")
    page_path = Path(sys.argv[1])
    for line in problems(measure(page_path, exe)) or ["no problems found"]:
        print(line)
    for p in screenshots(page_path, Path(sys.argv[2]), exe):
        print(p)
