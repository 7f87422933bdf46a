"""Compile every locale/*/LC_MESSAGES/*.po to .mo, without needing GNU gettext installed."""

from pathlib import Path

import polib

for po_path in sorted(Path(__file__).parent.glob("*/LC_MESSAGES/*.po")):
    mo_path = po_path.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        continue
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(mo_path))
    print(f"compiled {mo_path} ({po.percent_translated()} % translated)")
