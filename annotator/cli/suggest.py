"""`annotator train`, `annotator models` and `annotator suggest` (issue 17).

spaCy is imported inside the commands: `annotator --help` and every other command start
without it.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from annotator.cli.common import db_option, fail, open_db, scheme_for
from annotator.core.errors import AppError
from annotator.core.labels import LabelSchemeError, load_label_scheme
from annotator.services import suggestions, training


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@click.command()
@click.option(
    "--from",
    "source",
    type=click.Choice(training.SOURCES),
    default="gold",
    show_default=True,
    help="Train on adjudicated gold, or on spans a majority of done annotators agree on.",
)
@click.option(
    "--labels",
    "labels_file",
    type=click.Path(dir_okay=False, exists=True),
    help="A label scheme file naming the labels to train (default: the app's scheme).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Model folder (default: models/<from>-<time> beside the database).",
)
@click.option(
    "--epochs", type=click.IntRange(1, 1000), default=8, show_default=True, help="Epochs."
)
@click.option("--json", "as_json", is_flag=True, help='Print {"labels": {...}, "model": PATH}.')
@db_option
def train(source, labels_file, out, epochs, as_json, db_path):
    """Train a span model (spaCy spancat, clause candidates) and score it on a held-out part."""
    from annotator.suggest.examples import GoldSpan, TrainingExample
    from annotator.suggest.model_config import ModelSettings
    from annotator.suggest.training import train_span_model

    db = open_db(db_path, create=False)
    try:
        scheme = load_label_scheme(labels_file) if labels_file else scheme_for(db)
    except LabelSchemeError as exc:
        raise click.ClickException(str(exc)) from exc
    labels = scheme.keys()
    try:
        data = training.training_data(db, source, labels)
    except AppError as exc:
        raise fail(exc) from exc
    examples = [
        TrainingExample(e.document_id, e.text, tuple(GoldSpan(*s) for s in e.spans)) for e in data
    ]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_path = Path(out) if out else training.models_folder(db_path) / f"{source}-{stamp}"
    lang = data[0].lang if data else "de"

    def progress(p) -> None:
        losses = " ".join(f"{k} {v:.2f}" for k, v in sorted(p.losses.items()))
        click.echo(f"epoch {p.epoch}/{p.epochs}  loss {losses}  {p.seconds:.1f} s", err=True)

    click.echo(
        f"training on {len(examples)} documents ({source}), labels {', '.join(labels)}", err=True
    )
    try:
        result = train_span_model(
            examples,
            labels,
            out_path,
            lang=lang,
            settings=ModelSettings(epochs=epochs),
            progress=progress,
        )
    except (FileExistsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        scores = {k: {"p": v.p, "r": v.r, "f": v.f} for k, v in result.by_label.items()}
        click.echo(json.dumps({"labels": scores, "model": str(result.path)}))
        return
    for label, s in result.by_label.items():
        click.echo(
            f"{label}  precision {_score(s.p)}  recall {_score(s.r)}  f1 {_score(s.f)}  "
            f"(held-out gold spans {s.gold})"
        )
    click.echo(f"model stored in {result.path}")


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    help="Where models are (default: models/ beside the database).",
)
@db_option
def models(folder, db_path):
    """List stored models: name, date, source data, labels and held-out micro F1."""
    found = training.stored_models(Path(folder) if folder else training.models_folder(db_path))
    if not found:
        click.echo("no stored models")
        return
    for path in found:
        meta = json.loads((path / training.METADATA_FILE).read_text(encoding="utf-8"))
        micro = meta.get("scores", {}).get("micro", {})
        click.echo(
            f"{path}  {meta.get('created', '?')}  labels {','.join(meta.get('labels', []))}  "
            f"micro f1 {_score(micro.get('f'))}  fingerprint {meta.get('fingerprint', '')[:12]}"
        )


@click.command()
@click.option(
    "--source",
    "source",
    required=True,
    help="'patterns' (the pattern file) or the folder of a trained model.",
)
@click.option(
    "--patterns",
    "patterns_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Pattern file for --source patterns (default: $ANNOTATOR_PATTERNS or the shipped one).",
)
@click.option(
    "--documents",
    help="Comma-separated document ids (default: every document).",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="A model's proposals below this score are not stored.",
)
@db_option
def suggest(source, patterns_file, documents, min_score, db_path):
    """Run a suggestion source over documents and store its proposals (never in a layer)."""
    db = open_db(db_path, create=False)
    scheme = scheme_for(db)
    ids = _document_ids(documents)
    started = time.perf_counter()
    if source == suggestions.PATTERNS:
        from annotator.suggest.patterns import PatternFileError, load_patterns
        from annotator.suggest.patterns import suggest_with_patterns as run

        path = patterns_file or os.environ.get("ANNOTATOR_PATTERNS")
        try:
            pattern_set = load_patterns(path, scheme.keys())
        except PatternFileError as exc:
            raise click.ClickException(str(exc)) from exc
        name = suggestions.PATTERNS

        def propose(texts):
            return run(texts, pattern_set)
    else:
        from annotator.suggest.predict import ModelFolderError, load_span_model, suggest_with_model

        try:
            model = load_span_model(source)
        except ModelFolderError as exc:
            raise click.ClickException(str(exc)) from exc
        name = model.name

        def propose(texts):
            return suggest_with_model(texts, model, min_score=min_score)

    try:
        stored = suggestions.run_source(db, scheme, name, propose, ids)
    except AppError as exc:
        raise fail(exc) from exc
    seconds = time.perf_counter() - started
    click.echo(f"stored {stored} suggestions from {name} ({seconds:.1f} s)")


def _document_ids(value: str | None) -> list[int] | None:
    if not value:
        return None
    ids = []
    for part in value.split(","):
        part = part.strip()
        if not part.isdigit():
            raise click.BadParameter(f"{part!r} is not a document id", param_hint="--documents")
        ids.append(int(part))
    return ids
