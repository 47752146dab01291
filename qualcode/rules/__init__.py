"""Rule kinds: one module per kind, each a class that compiles itself, finds its hits in an
answer and dumps itself to YAML and to quanteda (see base.py and registry.py).

Layering: this package sits between `qualcode.coding` (which runs the kinds) and
`qualcode.codebook` / `qualcode.text` (which it reads); it never imports `qualcode.coding`.
"""
