"""Span suggestions: rule patterns and a trained span model propose spans (pure domain code).

What the integration (CLI, store, web) calls:
- patterns.load_patterns(path, label_keys, lang) -> PatternSet (PatternFileError: file:line: field)
- patterns.suggest_with_patterns(texts, pattern_set) -> list[list[Proposal]]
- examples.TrainingExample / GoldSpan, examples.split_by_document, examples.training_fingerprint
- training.train_span_model(examples, labels, out, settings=..., progress=...) -> TrainingResult
- predict.load_span_model(path) -> SpanModel, predict.read_model_metadata(path) -> dict
- predict.suggest_with_model(texts, model, min_score=0.5) -> list[list[Proposal]]
- scoring.score_proposals(examples, proposals, labels, lang) -> (by_label, micro)

Nothing here imports flask, sqlite3 or sqlite_utils.
"""
