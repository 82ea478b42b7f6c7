"""Turn model-recommendation prompts into documentation pages.

The steps, one module each: :mod:`.sources` (read files) -> :mod:`.parse` -> :mod:`.infer`
-> :mod:`.workflow` -> :mod:`.compose` -> :mod:`.check`; :mod:`.pipeline` runs them for one
prompt, :mod:`.cli` and :mod:`.plugin` are the edges.
"""
