"""SQLite writers wait in line on a file lock: one at a time across processes and threads."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.writer_lock import WriterLock

pytestmark = pytest.mark.integration

# Read, pause, write: without mutual exclusion two writers read the same value and one
# increment is lost.
WRITER = """
import sys, time
from engine.writer_lock import WriterLock
lock = WriterLock(sys.argv[1])
counter = sys.argv[1] + ".count"
for _ in range(int(sys.argv[2])):
    with lock.held():
        value = int(open(counter).read())
        time.sleep(0.001)
        open(counter, "w").write(str(value + 1))
"""


def test_processes_and_threads_never_write_at_once(tmp_path: Path):
    database = str(tmp_path / "essaim.db")
    Path(database + ".count").write_text("0")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), database, "40"]) for _ in range(3)]
    lock = WriterLock(database)

    def in_thread() -> None:
        for _ in range(40):
            with lock.held():
                value = int(Path(database + ".count").read_text())
                Path(database + ".count").write_text(str(value + 1))

    threads = [threading.Thread(target=in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    assert Path(database + ".count").read_text() == str(5 * 40)


def test_held_again_by_the_same_thread_does_not_wait_on_itself(tmp_path: Path):
    lock = WriterLock(str(tmp_path / "essaim.db"))
    with lock.held(), lock.held():
        pass
    with lock.held():  # released by the outer exit, free again
        pass
