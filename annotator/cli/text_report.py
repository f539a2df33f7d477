"""The agreement report as a plain-text table for the command line."""

from __future__ import annotations


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ci(ci95: list[float] | None) -> str:
    return "" if ci95 is None else f"[{ci95[0]:.3f}, {ci95[1]:.3f}]"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned first column, right-aligned others, widths from the content."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for r in [header, *rows]:
        cells = [str(r[0]).ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def report_as_text(report: dict, max_documents: int | None = 20) -> str:
    """`agreement_report`'s result as plain-text tables (lowest-alpha documents first)."""
    labels = report["labels"]
    names = report["annotators"]
    shown = ", ".join(names) if len(names) <= 12 else ", ".join(names[:10]) + ", ..."
    out = [
        f"Agreement of {len(names)} annotators ({shown}) "
        f"on {report['documents']} documents with at least two done annotators",
        "n/a: undefined (no variation, no spans on either side, or no shared documents)",
        "",
        "Krippendorff's alpha (nominal, token units)",
    ]
    alpha = report["krippendorff_alpha"]
    rows = [
        [
            "pooled",
            _fmt(alpha["pooled"]["value"]),
            _ci(alpha["pooled"]["ci95"]),
            str(alpha["pooled"]["units"]),
        ]
    ]
    for label in labels:
        a = alpha["by_label"][label]
        rows.append([label, _fmt(a["value"]), _ci(a["ci95"]), str(a["units"])])
    out += _table(["label", "alpha", "95% CI", "units"], rows)

    out += ["", "Fleiss' kappa (documents every annotator marked done)"]
    fleiss = report["fleiss_kappa"]
    rows = [["pooled", _fmt(fleiss["pooled"]["value"]), str(fleiss["pooled"]["documents"])]]
    rows += [
        [
            label,
            _fmt(fleiss["by_label"][label]["value"]),
            str(fleiss["by_label"][label]["documents"]),
        ]
        for label in labels
    ]
    out += _table(["label", "kappa", "documents"], rows)
    done = fleiss.get("done")
    if done is not None:
        raters = "/".join(str(r) for r in done["raters_per_document"]) or "-"
        out.append(
            f"Fleiss' kappa over every document with two or more done annotators "
            f"({done['documents']} documents, {done['annotators']} annotators, {raters} "
            f"raters per document): pooled {_fmt(done['pooled']['value'])}"
        )

    if "pair_summary" in report:
        out += _pair_summary_lines(report["pair_summary"], "Pairs")
    if report["pairs"]:
        out += ["", "Pairs (documents both marked done)"]
        rows = []
        for p in report["pairs"]:
            name = f"{p['a']} / {p['b']}"
            rows.append(
                [
                    f"{name}  (all labels)",
                    str(p["documents"]),
                    _fmt(p["cohen_kappa"]["pooled"]),
                    _fmt(p["f1_exact"]["micro"]),
                    _fmt(p["f1_overlap"]["micro"]),
                    _fmt(p["f1_partial"]["micro"]),
                ]
            )
            for label in labels:
                rows.append(
                    [
                        f"  {label}",
                        "",
                        _fmt(p["cohen_kappa"]["by_label"][label]),
                        _fmt(p["f1_exact"]["by_label"][label]),
                        _fmt(p["f1_overlap"]["by_label"][label]),
                        _fmt(p["f1_partial"]["by_label"][label]),
                    ]
                )
        out += _table(["pair", "documents", "kappa", "F1 exact", "F1 overlap", "F1 partial"], rows)

    docs = sorted(
        report["by_document"],
        key=lambda d: (d["alpha"] is None, d["alpha"] if d["alpha"] is not None else 0.0),
    )
    if docs:
        shown = docs if max_documents is None else docs[:max_documents]
        out += ["", "Documents, lowest alpha first (undefined last)"]
        rows = [
            [
                str(d["external_id"]),
                str(d["document_id"]),
                _fmt(d["alpha"]),
                _fmt(d["f1_overlap_mean"]),
            ]
            for d in shown
        ]
        out += _table(["document", "id", "alpha", "mean F1 overlap"], rows)
        if len(shown) < len(docs):
            out.append(f"... {len(docs) - len(shown)} more documents (see --json)")
    out += _unitizing_lines(report)
    if "by_stratum" in report:
        out += stratum_lines(report["by_stratum"])
    out += _suggestion_lines(report)
    out += _history_lines(report)
    return "\n".join(out) + "\n"


def stratum_lines(block: dict) -> list[str]:
    """The report by stratum (outlet, month, lang) as a table, one row per value."""
    out = ["", f"By {block['by']}: pooled alpha with its 95% interval, mean overlap F1 of pairs"]
    rows = [
        [
            "(unknown)" if s["value"] is None else str(s["value"]),
            str(s["documents"]),
            str(s["documents_done"]),
            _fmt(s["krippendorff_alpha"]["value"]),
            _ci(s["krippendorff_alpha"]["ci95"]) or "n/a",
            _fmt(s["f1_overlap"]["mean"]),
        ]
        for s in block["strata"]
    ]
    if not rows:
        return [*out, "no documents marked done"]
    return out + _table(
        [block["by"], "documents", "done by one+", "alpha", "95% interval", "F1 overlap"], rows
    )


def _suggestion_lines(report: dict) -> list[str]:
    """Suggestions shown and decided per annotator, and alpha on hand-typed spans (issue 17)."""
    figures = report.get("suggestions")
    if not figures or not any(c["shown"] for c in figures["by_annotator"].values()):
        return []
    rows = [
        [name, str(c["shown"]), str(c["accepted"]), str(c["edited"]), str(c["rejected"])]
        for name, c in figures["by_annotator"].items()
    ]
    out = ["", "Suggestions"]
    out += _table(["annotator", "shown", "accepted", "edited after", "rejected"], rows)
    manual = figures["manual_only"]["krippendorff_alpha"]
    out += [
        "",
        "Krippendorff's alpha on spans typed by hand (accepted and unedited suggestions left out)",
    ]
    rows = [
        [
            "pooled",
            _fmt(report["krippendorff_alpha"]["pooled"]["value"]),
            _fmt(manual["pooled"]["value"]),
        ]
    ]
    rows += [
        [label, _fmt(entry["value"]), _fmt(manual["by_label"].get(label, {}).get("value"))]
        for label, entry in report["krippendorff_alpha"]["by_label"].items()
    ]
    out += _table(["", "all spans", "typed by hand"], rows)
    return out


def _history_lines(report: dict) -> list[str]:
    """Agreement per batch of finished documents and per scheme version, and drops in words."""
    if not report.get("by_batch"):
        return []
    out = ["", f"Agreement per batch of {report['batch_size']} documents, in the order finished"]
    rows = [
        [
            str(b["batch"]),
            str(b["documents"]),
            _fmt(b["krippendorff_alpha"]),
            _ci(b["ci95"]),
            _fmt(b["f1_overlap"]),
        ]
        for b in report["by_batch"]
    ]
    out += _table(["batch", "documents", "alpha", "95% CI", "F1 overlap"], rows)
    for d in report.get("batch_drops", []):
        out.append(
            f"drop: alpha fell from {_fmt(d['before'])} in batch {d['from_batch']} to "
            f"{_fmt(d['after'])} in batch {d['to_batch']}, below the interval {_ci(d['ci95'])}"
        )
    out += ["", "Agreement per label scheme version"]
    rows = [
        [version, str(v["documents"]), _fmt(v["krippendorff_alpha"]), _ci(v["ci95"])]
        for version, v in report["by_scheme_version"].items()
    ]
    out += _table(["version", "documents", "alpha", "95% CI"], rows)
    return out


def _unitizing_lines(report: dict) -> list[str]:
    out = []
    alpha_u = report.get("alpha_u")
    if alpha_u is not None:
        out += [
            "",
            f"Krippendorff's alpha_U (character continua of {alpha_u['documents']} "
            f"documents with two or more done annotators, {alpha_u.get('annotators', '?')} "
            "annotators, each document with those who finished it)",
        ]
        rows = [["pooled", _fmt(alpha_u["pooled"]["value"]), str(alpha_u["pooled"]["units"])]]
        rows += [
            [label, _fmt(v["value"]), str(v["units"])] for label, v in alpha_u["by_label"].items()
        ]
        out += _table(["label", "alpha_U", "units"], rows)
        everyone = alpha_u.get("all_annotators")
        if everyone is not None:
            out.append(
                f"alpha_U over the {everyone['documents']} documents every annotator marked "
                f"done: pooled {_fmt(everyone['pooled']['value'])}"
            )
        if "pair_summary" in alpha_u:
            out += _pair_summary_lines(alpha_u["pair_summary"], "alpha_U pairs")
    gamma = report.get("gamma")
    if gamma is not None:
        out += [
            "",
            f"gamma (Mathet et al. 2015; {gamma['samples']} Monte-Carlo samples, "
            f"seed {gamma['seed']}, {gamma['units']} units)",
            f"gamma {_fmt(gamma['gamma'])}   gamma-cat {_fmt(gamma['gamma_cat'])}   "
            f"observed disorder {_fmt(gamma['observed_disorder'], 4)}   "
            f"expected disorder {_fmt(gamma['expected_disorder'], 4)}",
        ]
    return out


def _pair_summary_lines(summary: dict, title: str, worst: int = 10) -> list[str]:
    """Crowd mode: the distribution of the pair figures, one row per annotator, the worst pairs."""
    out = [
        "",
        f"{title}: crowd mode ({summary['annotators']} annotators > {summary['threshold']}; "
        f"{summary['pairs_with_shared_documents']} of {summary['pairs']} pairs share a document;"
        " --all-pairs lists them all)",
    ]
    keys = list(summary["distribution"])
    quantiles = ["mean", "min", "p10", "p25", "median", "p75", "p90", "max"]
    rows = [
        [key, str(d["count"]), *(_fmt(d[q]) for q in quantiles)]
        for key, d in summary["distribution"].items()
    ]
    out += _table(["figure", "pairs", *quantiles], rows)
    out += ["", f"{title}: per annotator, mean against the others"]
    rows = [
        [
            r["annotator"],
            str(r["partners"]),
            str(r["shared_documents"]),
            *(_fmt(r[k]) for k in keys),
        ]
        for r in summary["by_annotator"]
    ]
    out += _table(["annotator", "partners", "shared docs", *keys], rows)
    out += ["", f"{title}: lowest {summary['worst_by']} first"]
    rows = []
    for p in summary["worst_pairs"][:worst]:
        rows.append([f"{p['a']} / {p['b']}", str(p["documents"]), _fmt(p["value"])])
    out += _table(["pair", "documents", summary["worst_by"]], rows)
    return out
