"""`streamlit run dashboard.py` that notes every cache miss of its process, one line each, in the file $BCD_MISSES:
`memo <function>` for a query result or built figure computed (app.memo: a store's put follows every miss), `replay
<part>` for a table, chart or section drawn rather than replayed (app.replay.drawn, by the first of its parts). The
warm-up tests count them: a page run that builds nothing costs none. Usage: python tests/warm_server.py [streamlit
options]."""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def install(path: str) -> None:
    from app import memo, replay

    lock = threading.Lock()

    def note(what: str) -> None:
        with lock, open(path, "a", encoding="utf-8") as out:
            out.write(what + "\n")

    put = memo.Memo.put

    def counted_put(self, key, value):
        note(f"memo {key[0] if isinstance(key, tuple) else 'figure'}")
        put(self, key, value)

    drawn = replay.drawn

    def counted_drawn(parts, draw):
        def counted():
            note(f"replay {parts[0] if parts else '?'}")
            draw()

        drawn(parts, counted)

    memo.Memo.put = counted_put
    replay.drawn = counted_drawn


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT))
    install(os.environ["BCD_MISSES"])
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(PROJECT / "dashboard.py"), "--server.fileWatcherType", "none", *sys.argv[1:]]
    sys.exit(cli.main())
