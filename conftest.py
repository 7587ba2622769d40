"""Every notebook kernel a test session starts checks the figures it shows (the book's figure rules).

At the root, so that it holds for ``pytest --nbval notebooks/...`` as much as for ``pytest tests/...``:
the kernels get an IPYTHONDIR whose startup folder is tests/ipython/profile_default/startup (see its
00-figure-rules.py), and the rules' numbers from convkit.figures. A kernel's history and other state go to
a folder under the system's temporary folder, not into the repository.
"""
import os
import tempfile
import zlib
from pathlib import Path

STARTUP = Path(__file__).resolve().parent / "tests" / "ipython" / "profile_default" / "startup"


def pytest_configure(config):
    from convkit.figures import DPI, MIN_FONT_PT, PHONE_WIDTH_IN

    # One folder per user and checkout, kept between runs (an IPython in the test process may write its
    # history there at exit, after the session ends); its startup folder always points here.
    checkout = zlib.crc32(str(STARTUP).encode())
    ipython_dir = Path(tempfile.gettempdir()) / f"figure-rules-ipython-{os.getuid()}-{checkout:08x}"
    startup = ipython_dir / "profile_default" / "startup"
    startup.parent.mkdir(parents=True, exist_ok=True)
    if not startup.is_symlink() or startup.resolve() != STARTUP:
        tmp = startup.with_name(f"startup-{os.getpid()}")
        tmp.symlink_to(STARTUP, target_is_directory=True)
        os.replace(tmp, startup)  # atomic: parallel workers never see a half-made folder
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    os.environ["FIGURE_RULES_MIN_FONT_PT"] = str(MIN_FONT_PT)
    os.environ["FIGURE_RULES_DPI"] = str(DPI)
    os.environ["FIGURE_RULES_MAX_WIDTH_PX"] = str(round(PHONE_WIDTH_IN * DPI))
