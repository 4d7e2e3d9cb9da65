"""Sub-commands of ``pei-rules``; each module exposes ``register(subparsers)``."""
