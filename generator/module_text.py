"""Turn the text of a generated module into a live module without writing it to disk.

The build checks every generated module against the interpreter before anything is
written, and `ratebook diff` evaluates the base tree's rules, which have no generated/ of
their own; both need the module from the emitter's text in memory. The text is ours (an
emitter's output where policy values enter only as repr() literals), never policy text.
"""

from __future__ import annotations

import types


def load_module(text: str, name: str) -> types.ModuleType:
    """The module the text defines, as `import` would make it (not put in sys.modules)."""
    module = types.ModuleType(name)
    module.__file__ = f"<generated {name}>"
    code = compile(text, module.__file__, "exec")
    exec(code, module.__dict__)  # noqa: S102 - generated code, see the module docstring
    return module
