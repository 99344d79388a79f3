#!/usr/bin/env bash
# Set up the classroom web app's browser test on a fresh Debian machine (idempotent):
# chromium and npm from apt if missing, then Solara's offline asset cache from the npm
# registry. Run after `pip install -e '.[viz,test]'` in an active virtualenv.
# Never runs `playwright install`: the test drives Debian's /usr/bin/chromium.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
: "${VIRTUAL_ENV:?activate the project virtualenv first}"

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
    sudo=()
    [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
    echo "viz-setup: apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}"
fi

python -c "import playwright.sync_api, solara" \
    || { echo "viz-setup: run pip install -e '.[viz,test]' first" >&2; exit 1; }

# Fetch the page's npm packages (Vuetify app, require.js, grid layout, Font Awesome) into
# Solara's CDN cache; skips what is already there.
python -m simulation.classroom.offline_assets
python -m simulation.classroom.offline_assets --check
/usr/bin/chromium --version 2>/dev/null  # the Debian wrapper prints a harmless shell error
