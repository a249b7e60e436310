#!/usr/bin/env bash
# The admin panel's translations (Ukrainian, Russian): extract the texts, update the catalogs, compile.
#   scripts/translations.sh            extract + update + compile
#   scripts/translations.sh compile    compile only (the .mo files are committed; a clean clone needs nothing)
# Then translate what `msgattrib --untranslated` (or tests/admin/test_i18n.py) reports and run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
DIR=erpsync/admin/translations
if [ "${1:-}" != "compile" ]; then
  "$PYBABEL" extract -F babel.cfg -k _l -k lazy_gettext -k SettingSpec:4 --sort-by-file --add-location file -w 100 \
    --project erpsync --copyright-holder "erpsync contributors" -o "$DIR/messages.pot" .
  for lang in uk ru; do
    if [ -f "$DIR/$lang/LC_MESSAGES/messages.po" ]; then
      "$PYBABEL" update -i "$DIR/messages.pot" -d "$DIR" -l "$lang" --no-fuzzy-matching --ignore-obsolete -w 100
    else
      "$PYBABEL" init -i "$DIR/messages.pot" -d "$DIR" -l "$lang" -w 100
    fi
  done
fi
"$PYBABEL" compile -d "$DIR" --statistics
