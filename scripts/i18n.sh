#!/usr/bin/env bash
# The interface's message catalogues: extract every _()/gettext/ngettext string from the
# templates and annotator/**.py (babel.cfg) into a template, merge it into each language's .po,
# then compile the .mo files, which stay committed so a wheel and a fresh checkout need no
# compile step.
#
#   scripts/i18n.sh            extract -> update -> compile
#   scripts/i18n.sh compile    only compile (after editing a .po by hand)
#
# After `update`, translate the new or fuzzy entries in annotator/translations/de/LC_MESSAGES/
# messages.po (an empty msgstr shows English and fails tests/test_i18n.py), then run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=.venv/bin/pybabel
translations=annotator/translations
if [ "${1:-}" != "compile" ]; then
  pot=$(mktemp --suffix=.pot)
  trap 'rm -f "$pot"' EXIT
  "$pybabel" -q extract -F babel.cfg --no-location --sort-output --project=annotator \
    --copyright-holder="the annotator authors" -o "$pot" .
  "$pybabel" -q update -i "$pot" -d "$translations" --no-fuzzy-matching --ignore-obsolete
fi
"$pybabel" -q compile -d "$translations" --statistics
