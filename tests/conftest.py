import sys
from pathlib import Path

# Allow `pytest` from a checkout without an editable install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
