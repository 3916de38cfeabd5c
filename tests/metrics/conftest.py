"""The metrics tests: ``metrics_support`` and the e2e stack's launcher (tests/e2e)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))  # e2e_support
