"""Time and peak memory of the upload readers for hostile files (issue 19 §3). Run by hand, not in
the suite:

    uv run python bench/uploads.py

Each file is built here, written to a temporary folder, then read in a fresh Python process of its own
(Django loaded) through the path a person's upload takes: the member sheet (``read_sheet``), the
campaign targets sheet (``targets_from_sheet``) or the village boundary file (``read_boundaries``). The
child reports the seconds its read took and its peak resident size (VmHWM, Django included); a
legitimate 20,000-row sheet is measured beside them for comparison. The bound to hold: every hostile
file is refused in under 2 s using under 256 MB.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from types import SimpleNamespace
    import django
    django.setup()
    from campaigns.sheets import SheetError as TargetsError, targets_from_sheet
    from onboarding.boundaries import BoundaryFileError, read_boundaries
    from onboarding.sheets import SheetError, read_sheet

    reader, path = sys.argv[1], Path(sys.argv[2])
    data = path.read_bytes()
    started = time.perf_counter()
    try:
        if reader == "members":
            outcome = f"read {len(read_sheet(data=data, filename=path.name).rows)} rows"
        elif reader == "targets":
            upload = SimpleNamespace(name=path.name, size=len(data), read=lambda: data)
            outcome = f"read {len(targets_from_sheet(upload=upload, communes=[]))} targets"
        else:
            outcome = f"read {len(read_boundaries(data=data, filename=path.name))} features"
    except (SheetError, TargetsError, BoundaryFileError) as error:
        outcome = "refused: " + str(error)
    seconds = time.perf_counter() - started
    # VmHWM: this process's own peak (ru_maxrss keeps the parent's size from before exec on Linux).
    peak = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "outcome": outcome}))
    """
)


def _files() -> dict[str, tuple[str, bytes]]:
    from tests import hostile_files as hostile

    members = hostile.workbook(hostile.MEMBERS)
    layer = hostile.zip_of({"thon.geojson": b'{"type": "FeatureCollection", "features": []}'})
    big = hostile.workbook(
        [hostile.MEMBERS[0]]
        + [[f"Nguyễn Thị Lan {i}", f"09{i:08d}", "21025", "Thôn 1"] for i in range(20_000)]
    )
    files = {
        "members: whole grid declared, far cell (4.9 KB)": ("members", hostile.huge_range_xlsx()),
        "members: far cell XFD1048576 only": ("members", hostile.huge_range_xlsx(dimension=None)),
        "targets: whole grid declared, far cell": ("targets", hostile.huge_range_xlsx(rows=hostile.TARGETS)),
        "members: zip bomb 200 MB": ("members", hostile.bomb_zip(hostile.SHEET, 200 * 1024 * 1024)),
        "members: bomb with a lying size (300 MB)": ("members", hostile.lying_bomb_xlsx()),
        "boundaries: bomb with a lying size (300 MB)": ("boundaries", hostile.lying_bomb_zip("thon.geojson")),
        **{
            f"boundaries: {name}": ("boundaries", breaker(layer, "thon.geojson"))
            for name, (breaker, _message) in hostile.BROKEN.items()
        },
        **{
            f"members: {name}": ("members", breaker(members, hostile.SHEET))
            for name, (breaker, _message) in hostile.BROKEN.items()
        },
        "members: legitimate 20,000 rows (for comparison)": ("members", big),
    }
    return files


def main() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings.test", "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bench-uploads-") as folder:
        print(f"{'file':52} {'seconds':>8} {'peak MB':>8}  outcome")
        for index, (label, (reader, data)) in enumerate(_files().items()):
            suffix = ".zip" if reader == "boundaries" else ".xlsx"
            path = Path(folder) / f"{index}{suffix}"
            path.write_bytes(data)
            child = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, "-c", CHILD, reader, str(path)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode:
                print(f"{label:52} failed: {child.stderr[-500:]}")
                continue
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"{label:52} {result['seconds']:8.3f} {result['peak_mb']:8.0f}  {result['outcome'][:90]}")


if __name__ == "__main__":
    main()
