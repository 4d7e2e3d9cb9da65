"""The command line's declarations: one module per sub-command, exposing ``register(subparsers)``.

A declaration builds the sub-command's parser (arguments, help texts from the message
catalogue) and names the function that runs it, as ``run="<module>:<function>"`` in
:mod:`pei_rules.commands` (``run="evaluate"`` means ``pei_rules.commands.evaluate:run``).
Declarations import only the catalogue and the vocabulary, never the engine: building the
whole parser (``pei-rules --help``, ``pei-rules evaluate --help``) loads no command and no
pydantic; :mod:`pei_rules.cli` imports the one command that runs.
"""
