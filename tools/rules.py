"""The rules as the result tables list them, shared by the tools that read
`dlr train --json` and sweep lines: their order, and the parameters each
rule reads (a JSON line stores the others at their defaults)."""

ORDER = ["sgd", "nesterov", "adam", "adam-lazy", "dlr", "dlr-post"]
SHOWN = {"sgd": ["lr"], "nesterov": ["lr", "momentum"], "dlr": ["lr", "alpha"],
         "dlr-post": ["lr", "alpha"], "adam": ["lr", "eps"], "adam-lazy": ["lr", "eps"]}


def ordered(names):
    """`names` in table order; a rule this file does not know goes last."""
    return sorted(set(names), key=lambda o: (ORDER + [o]).index(o))
