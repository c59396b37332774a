"""The status enums stay their strings: stored values, JSON output and catalog keys unchanged."""

import json
import subprocess
import sys

import pytest

from bots.core.i18n import catalog, languages
from engine.services.dto import SubmitResult
from engine.statuses import (
    AssignmentStatus,
    BatchStatus,
    NextStatus,
    ProjectState,
    SubmitStatus,
    TaskStatus,
)

pytestmark = pytest.mark.unit

ALL = [TaskStatus, AssignmentStatus, BatchStatus, ProjectState, SubmitStatus, NextStatus]


@pytest.mark.parametrize("enum", ALL)
def test_members_are_their_strings(enum):
    for member in enum:
        assert member == member.value
        assert isinstance(member, str)
        assert f"{member}" == str(member) == member.value
        assert json.dumps({"s": member}) == json.dumps({"s": member.value})
        assert enum(member.value) is member


@pytest.mark.parametrize("lang", languages())
def test_every_project_state_is_translated(lang):
    """The bots build ``state.{status}`` keys (``submit.`` and ``next.`` ones: test_bots_i18n)."""
    texts = catalog(lang)
    assert all(f"state.{status}" in texts for status in ProjectState)


def test_submit_result_status_builds_the_same_key_as_its_string():
    result = SubmitResult(status=SubmitStatus.NOT_YOURS)
    assert f"submit.{result.status}" == "submit.not_yours"
    assert result.status == "not_yours"


def test_statuses_import_nothing_heavy():
    """``essaim status`` imports the models, which import this: it must stay stdlib only."""
    code = "import sys, engine.statuses; print(sorted(m for m in sys.modules if "
    code += "m.split('.')[0] in {'sqlalchemy', 'numpy', 'tasks', 'quality', 'bots'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
