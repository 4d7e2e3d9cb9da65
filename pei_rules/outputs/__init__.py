"""The documents an office hands in: the Informe de evaluación (DOCX, and PDF through
LibreOffice), the evaluation workbook (XLSX) and PDF prints of the HTML report.

Modules: :mod:`.common` (labels, numbers, colours, people's names for figure ids),
:mod:`.tables` (shared table data, audit rows), :mod:`.xlsx` (workbook),
:mod:`.informe_rules` (the rule set's ``[informe]`` section), :mod:`.informe` (the
informe as a document model), :mod:`.docx` (its Word rendering), :mod:`.pdf`
(conversions with headless Chromium and LibreOffice). Files are written with
:func:`pei_rules.files.write_atomic`.
"""
