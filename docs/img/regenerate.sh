#!/usr/bin/env bash
# Regenerate the document images of README.md and docs/reports.md from the ZED ILO plan.
# Needs LibreOffice (soffice), Chromium and poppler-utils (pdftoppm), as CI installs them.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { PYTHONPATH=$PWD python3 -m pei_rules "$@"; }
plan=plans/zed-ilo/pei-2023-2025.toml
run informe "$plan" --year 2023 --out "$tmp/informe.pdf"
pdftoppm -r 70 -png -f 3 -l 3 -singlefile "$tmp/informe.pdf" docs/img/informe-resumen
pdftoppm -r 70 -png -f 9 -l 9 -singlefile "$tmp/informe.pdf" docs/img/informe-aei
pdftoppm -r 70 -png -f 14 -l 14 -singlefile "$tmp/informe.pdf" docs/img/informe-anexo
run evaluate "$plan" --year 2023 --format xlsx --out "$tmp/zed.xlsx"
soffice -env:UserInstallation="file://$tmp/perfil" --headless --convert-to pdf --outdir "$tmp" "$tmp/zed.xlsx" >/dev/null
pdftoppm -r 170 -png -f 2 -l 2 -x 110 -y 150 -W 1180 -H 440 -singlefile "$tmp/zed.pdf" docs/img/zed-ilo-xlsx
run report "$plan" --year 2023 --format pdf --out "$tmp/report.pdf"
pdftoppm -r 70 -png -f 1 -l 1 -singlefile "$tmp/report.pdf" docs/img/zed-ilo-report-pdf
