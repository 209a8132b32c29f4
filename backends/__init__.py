"""Built-in backends of the workbench, one module per backend family.

Each registers through the ``hybrid_workbench.backends`` entry-point group, like a
third-party plugin would. Modules import their heavy dependencies lazily.
"""
