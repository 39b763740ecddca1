#!/usr/bin/env bash
# The install path a user takes, tested: build the sdist and wheel, `twine check` them, install the wheel into fresh
# virtual environments outside the checkout (core only; core + the `deep` extra), import the public API and run
# `segment-lib report` on a small synthetic shop. Prints the core install size and the cold import time.
# Usage: bash tools/check_install.sh   (from the repository root, after `make env`; CI runs it after the tests)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-python3}"
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
export IPYTHONDIR="$W/ipython" JUPYTER_CONFIG_DIR="$W/jcfg" JUPYTER_DATA_DIR="$W/jdata" JUPYTER_RUNTIME_DIR="$W/jrun" MPLCONFIGDIR="$W/mpl"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYDEVD_DISABLE_FILE_VALIDATION=1
unset SEGMENT_LIB_REPORTS
pipq() { "$@" 2> >(grep -v "^WARNING: Location" >&2); }  # quiet pip: drop the index-location warnings of this machine

echo "== build (sdist + wheel) and twine check"
(cd "$ROOT" && "$ROOT/.venv/bin/python" -m build --no-isolation --sdist --wheel --outdir "$W/dist" . >"$W/build.log" 2>&1) || { tail -30 "$W/build.log"; exit 1; }
"$ROOT/.venv/bin/twine" check --strict "$W"/dist/*
WHEEL="$(ls "$W"/dist/*.whl)"
unzip -l "$WHEEL" | grep -q "segment_lib/reports/segment_report.ipynb" || { echo "the wheel lacks the report notebooks"; exit 1; }

echo "== core install (no torch) in a fresh venv"
"$PY" -m venv "$W/core"
pipq "$W/core/bin/python" -m pip install -q -c "$ROOT/constraints.txt" "$WHEEL"
cd "$W"
"$W/core/bin/python" - <<'EOF'
import importlib.util, time
assert importlib.util.find_spec("torch") is None, "the core install pulled torch"
t0 = time.perf_counter()
from segment_lib.pipeline import SegmentPipeline
from segment_lib.report import reports_dir, run_reports
print(f"cold import of segment_lib.pipeline + report: {time.perf_counter() - t0:.2f} s; reports from {reports_dir().parent.name}/{reports_dir().name}")
EOF
echo "core install size: $(du -sm "$W/core" | cut -f1) MB"
"$W/core/bin/segment-lib" --version
"$W/core/bin/segment-lib" report --data synthetic --n-customers 300 --out "$W/out_core" --quiet
test -s "$W/out_core/segment_report.html" && test -s "$W/out_core/evaluation_report.html"
set +e
"$W/core/bin/segment-lib" report --representation taste --n-customers 300 --out "$W/out_taste" --quiet 2>"$W/taste.err"; code=$?
set -e
grep -q "segment_lib\[deep\]" "$W/taste.err" && test "$code" = 2 || { echo "--representation taste without torch: exit $code"; cat "$W/taste.err"; exit 1; }

echo "== core + deep in a fresh venv"
"$PY" -m venv "$W/deep"
pipq "$W/deep/bin/python" -m pip install -q -c "$ROOT/constraints.txt" torch==2.13.0
pipq "$W/deep/bin/python" -m pip install -q -c "$ROOT/constraints.txt" "$WHEEL[deep]"
"$W/deep/bin/segment-lib" report --data synthetic --n-customers 300 --representation taste --reports segment_report --out "$W/out_deep" --quiet
test -s "$W/out_deep/segment_report.html"
echo "install check: ok"
