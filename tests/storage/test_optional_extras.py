"""The embedded default (SQLite, data folder) must start without the `postgres` extra."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# None in sys.modules makes `import psycopg` raise ImportError, as on a plain `pip install -e .`.
BLOCK = (
    "import sys\n"
    "for name in ('psycopg', 'psycopg_pool', 'procrastinate'):\n"
    "    sys.modules[name] = None\n"
)


def test_the_default_store_and_commands_import_without_postgres_packages(tmp_path: Path) -> None:
    code = BLOCK + (
        "import asyncio, pathlib\n"
        "import bots.cli, storage.backend, storage.sqlite\n"
        "from storage.sqlite import SqliteStore\n"
        "async def main():\n"
        "    store = await SqliteStore.open(pathlib.Path(sys.argv[1]) / 'b.sqlite')\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
