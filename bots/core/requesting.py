"""Requesters' use cases: upload a batch, follow a project's progress and quality."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from bots.core.base import ChatBase, User, polite
from bots.core.replies import Image, Reply, msg
from engine import services
from engine.charts import quality_chart
from engine.quality_report import quality_report
from engine.statuses import DECIDED, BatchStatus, TaskStatus
from tasks.encodings import encoding_label

log = logging.getLogger(__name__)


class Requesting(ChatBase):
    @polite
    def upload(self, user: User, project: str, filename: str, data: bytes) -> Reply:
        """Store a document as a batch and ingest it as a job; say it was received and in
        which text encoding it is read (detected: a chat user cannot choose one).

        The report, or every error by file and line, is a "batch.ingested" or
        "batch.failed" notice in the engine's outbox, written with the ingestion (also when
        the ingestion crashed), whether it ran inline or in a worker: summarising it here
        too would tell the uploader twice. Adapters drain their outbox right after an
        upload, so an inline report follows at once. A refused file (type, size, encoding,
        a file already uploaded, role) is refused here.
        """
        who = self.speaker(user)
        handle = self.essaim.add_batch(project, filename, data, actor_id=who.id)  # no wait
        report = services.batch_report(self.db, handle.batch_id)
        if handle.status == "failed" and report.status == BatchStatus.PENDING:
            return Reply(who.lang, lines=(msg("upload.failed", error=handle.error or ""),))
        return Reply(who.lang, lines=(
            msg("upload.received", project=project, filename=filename),
            msg("upload.encoding", encoding=encoding_label(report.encoding)),
        ))  # fmt: skip

    @polite
    def status(self, user: User, project: str) -> Reply:
        """Progress in numbers and the quality chart (workers' skill, alpha per batch)."""
        who = self.speaker(user)
        st = services.project_status(self.db, project, actor_id=who.id)
        tasks = st.tasks
        lines = [
            msg(
                "status.body",
                name=st.name,
                project=st.slug,
                state=msg(f"state.{st.status}"),
                items=st.items,
                answers=st.answers,
                contributors=st.contributors,
                completion=f"{st.completion:.0%}",
                open=tasks.get(TaskStatus.OPEN, 0),
                review=tasks.get(TaskStatus.REVIEW, 0),
                done=sum(tasks.get(status, 0) for status in DECIDED),
            )
        ]
        for batch in st.batches:
            lines.append(
                msg(
                    "status.batch",
                    batch=batch["id"],
                    filename=batch["filename"],
                    state=batch["status"],
                    items=batch["items"],
                )
            )
        return Reply(who.lang, lines=tuple(lines), image=self._chart(project))

    def _chart(self, project: str) -> Image | None:
        """The quality chart as PNG bytes; a status without it is still worth sending."""
        try:
            report = quality_report(self.db, project)
            with tempfile.TemporaryDirectory() as folder:
                path = quality_chart(report, Path(folder) / f"{project}.png")
                data = path.read_bytes()
        except Exception:
            log.exception("quality chart of %s failed", project)
            return None
        caption = msg(
            "status.chart",
            alpha=report["alpha"] if report["alpha"] is not None else "—",
            backlog=report["review_backlog"],
        )
        return Image(f"{project}-quality.png", data, caption)
