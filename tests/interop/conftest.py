import sys
from pathlib import Path

# Make the helper modules in this folder importable from the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "zkshard: needs the zkshard binary (env ZKSHARD, default .build/release/zkshard); "
        "deselect with -m 'not zkshard'",
    )
