"""Deferred imports: a module is imported when it is first used, not when it is named.

An experiment module holds both its training (torch) and its claims (numpy and
pandas).  The claims job imports the module for its claims only, and
``import torch`` alone costs about 1.4 core-seconds per process, more than
checking the claims.  So experiment modules name torch and the training modules
through :func:`deferred`: the claims and figure jobs never import torch, and a
training job imports it on first use, as before.
"""

from __future__ import annotations

from importlib import import_module


class _Deferred:
    """Stands for module ``name``, bound to ``alias`` in ``namespace`` (a module's globals).

    The first attribute access imports the module and rebinds ``alias`` to the
    module itself, so every later use is a plain global lookup: no cost per step.
    """

    def __init__(self, name: str, namespace: dict, alias: str):
        self._name, self._namespace, self._alias = name, namespace, alias

    def __getattr__(self, attr: str):
        module = import_module(self._name)
        if self._namespace.get(self._alias) is self:
            self._namespace[self._alias] = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<deferred import of {self._name}>"


def deferred(namespace: dict, *names: str):
    """Stand-ins for the modules ``names`` (dotted names; a leading "." means a module
    of this package), bound to their last component in ``namespace``; e.g.
    ``torch, optim = deferred(globals(), "torch", ".optim")``.  Returns them in
    order (one name: the stand-in itself)."""
    out = []
    for name in names:
        name = f"implicitbias{name}" if name.startswith(".") else name
        alias = name.rsplit(".", 1)[-1]
        namespace[alias] = _Deferred(name, namespace, alias)
        out.append(namespace[alias])
    return out[0] if len(out) == 1 else tuple(out)
