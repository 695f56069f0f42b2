"""The ground floor every layer imports and that imports nothing above it: the named
state layouts of the engine (layout), the book and matching kernels, the one module of
venue order rules, the random draws of latency models. Event and record dtypes and the
enums are in hftlab.schema, beside it."""
