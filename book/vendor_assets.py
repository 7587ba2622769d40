"""Copy the pinned front-end files the book serves itself from node_modules/ into book/_assets/vendor/.

Run by ``make book`` after ``npm ci``. The rendered pages then fetch MathJax,
require.js and the widget manager from the site itself: no CDN, no network.
Every package keeps its licence file next to it.
"""
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
DEST = Path(__file__).resolve().parent / "_assets" / "vendor"

# (package folder, files or folders inside it to copy, destination name)
ASSETS = [
    ("mathjax", ["es5/tex-mml-chtml.js", "es5/output/chtml/fonts/woff-v2", "es5/input/tex/extensions",
                 "es5/ui", "es5/a11y", "LICENSE"], "mathjax"),
    ("requirejs", ["require.js", "package.json"], "requirejs"),
    ("@jupyter-widgets/html-manager", ["dist", "package.json"], "html-manager"),
    ("anywidget", ["dist", "LICENSE", "package.json"], "anywidget"),
]


def main():
    if DEST.exists():
        shutil.rmtree(DEST)
    for package, items, name in ASSETS:
        for item in items:
            src = NODE / package / item
            if not src.exists():
                raise SystemExit(f"missing {src}: run `npm ci` first")
            dst = DEST / name / item.removeprefix("es5/")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.map"))
            else:
                shutil.copy2(src, dst)
    print(f"vendored {len(ASSETS)} packages into {DEST.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
