#!/usr/bin/env bash
# The translation catalogues (see README, "Translations"):
#   scripts/i18n.sh extract   collect every marked string into src/rootcauses/locale/messages.pot
#   scripts/i18n.sh update    merge the template into each language's messages.po (new strings
#                             empty, changed ones marked fuzzy: translate them, then compile)
#   scripts/i18n.sh compile   messages.po -> messages.mo (the app and the brief read the .mo)
#   scripts/i18n.sh           all three (`make i18n`)
# The .mo files are committed: a fresh clone and the wheel have them without a build step, and
# tests/test_i18n.py fails when a .mo does not match its .po or a marked string is untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
LOCALES=src/rootcauses/locale
POT="$LOCALES/messages.pot"

extract() {
  "$PYBABEL" extract --mapping-file babel.cfg --output-file "$POT" --add-location file \
    --sort-by-file --project rootcauses --copyright-holder "rootcauses contributors" \
    --msgid-bugs-address "" --width 100 src/rootcauses
}

update() {
  "$PYBABEL" update --input-file "$POT" --output-dir "$LOCALES" --domain messages \
    --width 100 --ignore-obsolete
}

compile() {
  "$PYBABEL" compile --directory "$LOCALES" --domain messages --statistics
}

case "${1:-all}" in
  extract) extract ;;
  update) update ;;
  compile) compile ;;
  all) extract && update && compile ;;
  *) echo "usage: $0 [extract|update|compile]" >&2; exit 2 ;;
esac
