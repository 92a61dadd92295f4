"""Where the tests find the repository, its sample corpora and ../shared/data."""

from pathlib import Path

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "sample_corpora"
DATA = ROOT.parent / "shared" / "data"
