"""The project file's public face: one import for the window, the CLI and the tests.

The work is done by small modules, one job each:
  engine/files/project.py         Project, and a trainer to a project and back
  engine/files/project_format.py  the JSON file: write (atomic), read, check every field, migrate v1
  engine/files/weights.py         weights by layer and by source, as the file stores them
  engine/files/atomic.py          atomic writes
  engine/data/sources.py          typed data sources (planar, boolean, preset, csv, points)
  engine/validate.py              the field checkers and ProjectError
"""
from __future__ import annotations

from engine.data.sources import DataSource, dataset_from_source, parse_source, source_of
from engine.files.project import Project, project_from_trainer, trainer_from_project
from engine.files.project_format import (
    FORMAT,
    VERSION,
    load_project,
    project_from_dict,
    project_from_text,
    project_to_dict,
    save_project,
)
from engine.validate import ProjectError

__all__ = [
    "FORMAT",
    "VERSION",
    "Project",
    "ProjectError",
    "project_from_trainer",
    "trainer_from_project",
    "save_project",
    "load_project",
    "dataset_from_source",
    "DataSource",
    "parse_source",
    "source_of",
    "project_to_dict",
    "project_from_dict",
    "project_from_text",
]
