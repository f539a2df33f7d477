"""Label Studio JSON export: a list of tasks, each with `data` and `annotations[].result[]`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotator.formats.base import ImportedSpan, ImportFormatError, ImportRecord
from annotator.formats.reading import (
    IGNORED_KEY,
    iter_json_array,
    iter_objects,
    require_offset,
)

_TITLE_KEYS = ("title", "heading", "headline")
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def read_labelstudio(path: Path) -> Iterator[ImportRecord]:
    """Records of a Label Studio JSON export: one per (task, annotation), streamed task by task.

    The text is `data[to_name]` of the task's `labels` results, else `data.text`, else the first
    string in `data`; `data.title`/`heading`/`headline` is the title; `external_id` is
    `labelstudio:<task id>`. The annotator is `completed_by`: its email made a user name
    (`a@b.org` -> `a_at_b.org`) when the export has one, else the user id as a string. Each
    label of a `labels` region is one span with the region's `value.text` as `expected_text`;
    a `textarea` on the same region becomes the note and `choices` on it become attributes.
    Relations, document-level choices, drafts and predictions are counted in
    `meta["_ignored"]`. A submitted annotation is done; a cancelled (skipped) one is not. A task
    without annotations yields the document alone (spans None).
    """
    path = Path(path)
    for line_no, task in iter_json_array(path):
        where = f"{path}:{line_no}"
        if not isinstance(task, dict):
            raise ImportFormatError(f"{where}: a task must be an object")
        data = task.get("data")
        if not isinstance(data, dict):
            raise ImportFormatError(f'{where}: task without a "data" object')
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            raise ImportFormatError(f'{where}: "annotations" must be a list')
        text_key = _text_key(data, annotations, where)
        text = data[text_key]
        title = next((data[k] for k in _TITLE_KEYS if isinstance(data.get(k), str)), None)
        task_meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        meta: dict[str, Any] = {**task_meta, "labelstudio_task_id": task.get("id")}
        skipped = Counter()
        for key in ("drafts", "predictions"):
            if task.get(key):
                skipped[key] += len(task[key])
        external_id = f"labelstudio:{task['id']}" if "id" in task else None
        if not annotations:
            yield ImportRecord(
                text=text,
                source=where,
                external_id=external_id,
                title=title,
                meta={**meta, IGNORED_KEY: dict(skipped)} if skipped else meta,
            )
            continue
        for annotation in annotations:
            if not isinstance(annotation, dict):
                raise ImportFormatError(f"{where}: an annotation must be an object")
            spans, ignored = _read_result(annotation.get("result") or [], text_key, where)
            ignored.update(skipped)
            yield ImportRecord(
                text=text,
                source=where,
                external_id=external_id,
                title=title,
                meta={**meta, IGNORED_KEY: dict(ignored)} if ignored else dict(meta),
                annotator=_annotator(annotation.get("completed_by"), where),
                spans=spans,
                done=not annotation.get("was_cancelled", False),
            )


def _text_key(data: dict[str, Any], annotations: list[Any], where: str) -> str:
    for annotation in annotations:
        for result in annotation.get("result") or [] if isinstance(annotation, dict) else []:
            if isinstance(result, dict) and result.get("type") == "labels":
                key = result.get("to_name")
                if isinstance(data.get(key), str):
                    return key
    if isinstance(data.get("text"), str):
        return "text"
    for key, value in data.items():
        if isinstance(value, str) and key not in _TITLE_KEYS:
            return key
    raise ImportFormatError(f'{where}: no text in the task\'s "data"')


def _annotator(completed_by: Any, where: str) -> str:
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return user_name_of_email(email)
        completed_by = completed_by.get("id")
    if isinstance(completed_by, bool) or not isinstance(completed_by, str | int):
        raise ImportFormatError(f'{where}: annotation without a "completed_by" user')
    return str(completed_by)


def user_name_of_email(email: str) -> str:
    """A user name (letters, digits, `_.-`, at most 64) for a Label Studio e-mail address."""
    # User names cannot hold "@" or "+"; the same address always gives the same name, so a
    # second export of the project lands on the same annotator.
    name = _NOT_IN_NAME.sub("_", email.strip().replace("@", "_at_"))
    if not name[:1].isalnum():
        name = "u" + name
    return name[:64]


def _read_result(
    results: list[Any], text_key: str, where: str
) -> tuple[list[ImportedSpan], Counter]:
    ignored: Counter = Counter()
    regions: dict[str, list[ImportedSpan]] = {}
    spans: list[ImportedSpan] = []
    extras = []
    for at, result in iter_objects(results, "result", where):
        kind = result.get("type")
        if kind != "labels":
            extras.append(result)
            continue
        if result.get("to_name", text_key) != text_key:
            ignored["labels on other fields"] += 1
            continue
        value = result.get("value")
        if not isinstance(value, dict):
            raise ImportFormatError(f'{at}: "value" must be an object')
        start = require_offset(value.get("start"), "value.start", at)
        end = require_offset(value.get("end"), "value.end", at)
        labels = value.get("labels")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ImportFormatError(f'{at}: "value.labels" must be a list of strings')
        expected = value.get("text") if isinstance(value.get("text"), str) else None
        region = [
            ImportedSpan(start=start, end=end, label=label, expected_text=expected, source=where)
            for label in labels
        ]
        regions.setdefault(str(result.get("id")), []).extend(region)
        spans.extend(region)
    for result in extras:
        region = regions.get(str(result.get("id"))) if "id" in result else None
        value = result.get("value") if isinstance(result.get("value"), dict) else {}
        if region and result.get("type") == "textarea":
            note = "\n".join(str(t) for t in value.get("text") or [])
            for span in region:
                span.note = note
        elif region and result.get("type") == "choices":
            choices = value.get("choices") or []
            choice = choices[0] if len(choices) == 1 else list(choices)
            for span in region:
                span.attributes = {**(span.attributes or {}), result.get("from_name"): choice}
        else:
            ignored[str(result.get("type"))] += 1
    return spans, ignored
