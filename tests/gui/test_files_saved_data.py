"""The real window: file failures the controller reports (autosave) reach the message strip
instead of a signal nobody listens to."""
from __future__ import annotations

import gui.files.controller as controller_module
from engine.files.serialize import ProjectError
from test_files_support import dialogs, window  # noqa: F401 - fixtures: the window with its File menu


def test_an_autosave_failure_reaches_the_message_strip(window, dialogs, monkeypatch):
    assert window.session.edit_optimizer("Learning rate", lr=0.2)  # unsaved work to autosave

    def refuse(path, project):
        raise ProjectError("cannot write the recovery file: disk full")

    monkeypatch.setattr(controller_module, "save_project", refuse)
    assert not window.files.autosave_now()
    assert window.banner.kind == "error" and "Autosave failed" in window.banner.text and "disk full" in window.banner.text
