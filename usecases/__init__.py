"""Use cases of the workbench, one package each, registered under
``hybrid_workbench.usecases``."""
